#!/usr/bin/env python3
"""An OCPI eMSP built on extrawest-ocpi (import name `py_ocpi`), an OCPI implementation we
did not write, for tests/ocpi_interop.rs to play against the csms example as a CPO.

It serves py_ocpi's eMSP application (OCPI 2.2.1 and 2.1.1: versions, credentials and the
eMSP side of the modules) on 127.0.0.1 with uvicorn, backed by an in-memory store, and prints
one JSON line when it listens:

    {"event": "ready", "port": 43210, "versions_url": "http://127.0.0.1:43210/ocpi/versions"}

Then it reads commands from standard input, one JSON object a line, and answers each with one
JSON line on standard output, `{"ok": true, ...}` or `{"ok": false, "error": "..."}`:

- `{"cmd": "register", "versions_url": URL, "token": TOKEN_A}` (and `"version": "2.1.1"` to
  choose that version): registers with a CPO as the credentials module has the party that
  received token A do it (GET versions, GET the
  version's details, POST our credentials with a token B of ours; keep the token C answered).
  py_ocpi is a server framework with no client for this, so the requests are made here with
  httpx (py_ocpi's own HTTP client) and every answer is parsed with py_ocpi's schemas.
- `{"cmd": "pull", "module": "locations", "limit": 1}`: GETs the module's Sender endpoint of
  the CPO that registered last (either way), with the token it gave us, following the `Link` headers page by page; each object is validated
  with py_ocpi's schema of the agreed version. Answers the pages' paging headers and the
  objects as sent.
- `{"cmd": "get", "module": "locations", "path": "LOC1/NL*DEM*E2", "schema": "EVSE"}`: one
  object below the module's Sender endpoint, validated with the named schema.
- `{"cmd": "issue_token_a"}`: a new token A with which a CPO may register with us.
- `{"cmd": "put", "module": "tokens", "object": {...}}`: an object of ours that our Sender
  endpoints serve (such as a token).
- `{"cmd": "push_token", "token": {...}}`: PUTs one of our drivers' tokens (validated with
  py_ocpi's schema) to the Tokens Receiver of the CPO that registered last, and keeps it as
  ours (our Tokens Sender serves it, and a real-time authorization of it is answered). With
  `"allowed": "NOT_ALLOWED"` (or another AllowedType), that is what real-time authorizations
  of it are answered; `ALLOWED` by default. With `"keep": false` it is not kept: a token the
  CPO holds that we do not know (any more), whose real-time authorization py_ocpi answers
  with HTTP 404, as OCPI has an eMSP answer for a token it does not know.
- `{"cmd": "send_command", "command": "START_SESSION", "uid": "start-1", "body": {...}}`:
  POSTs a command to the Commands Receiver of the CPO that registered last (OCPI 2.2.1), its
  body (validated with py_ocpi's schema of the command) given the `response_url` at which
  our Commands module takes its result, `.../commands/{uid}`. Answers the CPO's
  CommandResponse, validated with py_ocpi's schema, and the `response_url`.
- `{"cmd": "state"}`: the partners we hold credentials of (their token, versions URL,
  version, roles, endpoints), in the order they registered; the objects the CPO pushed to
  our receivers (sessions, CDRs, locations, tariffs), by module and id; the real-time
  authorizations the CPO asked of our Tokens module (`authorizations`: uid, type, location
  reference, what we answered, `null` for a token not ours, which partner asked), in order;
  and the command results the CPO POSTed to our Commands module (`command_results`: uid,
  the CommandResult as py_ocpi's schema read it, which partner sent it), in order.
- `{"cmd": "quit"}` (or the end of standard input): stops.

Options: `--port N` (default 0, any free port), `--party-id` and `--country-code` (default
NL/EMP), `--versions` (default `2.2.1,2.1.1`).

py_ocpi's departures from OCPI that this harness works around (never by asking the CPO to
change what it sends) are marked "WORKAROUND" below.
"""

import argparse
import asyncio
import base64
import json
import logging
import os
import re
import secrets
import socket
import sys
import urllib.parse
import uuid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--country-code", default="NL")
    parser.add_argument("--party-id", default="EMP")
    parser.add_argument(
        "--versions", default="2.2.1,2.1.1", help="the OCPI versions served, comma-separated"
    )
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(64)
    port = sock.getsockname()[1]

    # WORKAROUND: py_ocpi builds every URL it publishes (the versions' URLs, the endpoints of
    # the version details, the Link of its lists) from its settings, read from the
    # environment once, when the package is first imported (the endpoint generators are
    # module-level objects), with `https` and `www.example.com` as defaults. So the address is
    # known before py_ocpi is imported: the socket is bound first, the settings are put in
    # the environment, and only then is py_ocpi imported.
    os.environ["PROTOCOL"] = "http"
    os.environ["OCPI_HOST"] = f"127.0.0.1:{port}"
    os.environ["OCPI_PREFIX"] = "ocpi"
    os.environ["COUNTRY_CODE"] = args.country_code
    os.environ["PARTY_ID"] = args.party_id
    os.environ["ENVIRONMENT"] = "production"
    os.environ["NO_AUTH"] = "false"

    asyncio.run(serve(sock, port, args))


def cdr_211_for_py_ocpi(cdr):
    """A 2.1.1 CDR with `end_date_time` beside `stop_date_time` (see WORKAROUND below)."""
    if isinstance(cdr, dict) and "stop_date_time" in cdr and "end_date_time" not in cdr:
        return dict(cdr, end_date_time=cdr["stop_date_time"])
    return cdr


def b64(token: str) -> str:
    return base64.b64encode(token.encode()).decode()


def new_token() -> str:
    # OCPI's credentials token is a string(64).
    return secrets.token_hex(24)


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


async def serve(sock: socket.socket, port: int, args: argparse.Namespace) -> None:
    import httpx
    import uvicorn
    from fastapi import Response

    from py_ocpi import get_application
    from py_ocpi.core.authentication.authenticator import Authenticator
    from py_ocpi.core.crud import Crud
    from py_ocpi.core.enums import Action, ModuleID, RoleEnum
    from py_ocpi.core.schemas import OCPIResponse
    from py_ocpi.core.utils import get_module_model
    from py_ocpi.modules.versions.enums import VersionNumber
    from py_ocpi.modules.versions.schemas import Version

    # py_ocpi's 2.1.1 Connector makes `tariff_id` required, where OCPI 2.1.1 (mod_locations,
    # Connector object) gives it cardinality `?`: a connector without a tariff of its own is
    # valid. The field is made optional again before any Location is parsed (pydantic 1).
    from py_ocpi.modules.locations.v_2_1_1 import schemas as locations_211

    tariff_id = locations_211.Connector.__fields__["tariff_id"]
    tariff_id.required = False
    tariff_id.default = None
    tariff_id.allow_none = True

    # py_ocpi logs every request at INFO on standard error; its warnings are enough here.
    logging.getLogger("OCPI-Logger").setLevel(logging.WARNING)

    versions_url = f"http://127.0.0.1:{port}/ocpi/versions"

    def our_role() -> dict:
        return {
            "role": "EMSP",
            "business_details": {"name": "py_ocpi eMSP"},
            "party_id": args.party_id,
            "country_code": args.country_code,
        }

    class Store:
        # Tokens A we issued, not yet used to register.
        tokens_a: set = set()
        # Tokens partners call us with (the token C we gave a CPO that registered with us, or
        # the token B we sent a CPO when we registered with it), to the partner's index.
        tokens_c: dict = {}
        # The partners we hold credentials of: token to call them, versions URL, roles,
        # version, endpoints.
        partners: list = []
        # Objects the partners sent to our receiver endpoints: module to id to object.
        objects: dict = {}
        # What a real-time authorization of one of our tokens is answered, by uid (upper
        # case), when not ALLOWED.
        answers: dict = {}
        # The real-time authorizations partners asked, in order.
        authorizations: list = []
        # The command results partners POSTed to our Commands module, in order.
        command_results: list = []

    def credentials_for(token: str, version: str = "2.2.1") -> dict:
        if version.startswith("2.1"):
            # OCPI 2.1.1 credentials name one party, without a role.
            role = our_role()
            del role["role"]
            return {"token": token, "url": versions_url, **role}
        return {"token": token, "url": versions_url, "roles": [our_role()]}

    def roles_of(credentials: dict) -> list:
        if "roles" in credentials:
            return credentials["roles"]
        return [{k: credentials[k] for k in ("party_id", "country_code", "business_details")}]

    def store_partner(index, credentials: dict, endpoints, version: str, direction: str):
        partner = {
            "direction": direction,
            "token": credentials["token"],
            "versions_url": credentials["url"],
            "roles": roles_of(credentials),
            "version": version,
            "endpoints": endpoints.get("endpoints", endpoints)
            if isinstance(endpoints, dict)
            else endpoints,
        }
        if index is None:
            Store.partners.append(partner)
            return len(Store.partners) - 1
        Store.partners[index] = partner
        return index

    class MemoryAuthenticator(Authenticator):
        @classmethod
        async def get_valid_token_c(cls):
            return list(Store.tokens_c)

        @classmethod
        async def get_valid_token_a(cls):
            return list(Store.tokens_a)

    def our_token(uid: str, token_type=None):
        # One of our tokens by uid (case-insensitive, as OCPI's CiString is: py_ocpi changes
        # the case of a uid in a path) and, when given, type.
        wanted = str(getattr(token_type, "value", token_type)) if token_type else None
        for token in Store.objects.get(ModuleID.tokens, {}).values():
            if token["uid"].upper() == str(uid).upper() and wanted in (None, token["type"]):
                return token
        return None

    def plain(value):
        # py_ocpi's objects (enums, CiStrings, dates) as JSON values.
        return json.loads(json.dumps(value, default=str))

    class MemoryCrud(Crud):
        """py_ocpi's business-logic interface: the credentials exchange, a plain store, the
        real-time authorization of our tokens and the command results we are sent."""

        @classmethod
        async def get(cls, module, role, id, *args, **kwargs):
            if module == ModuleID.credentials_and_registration:
                version = str(getattr(kwargs.get("version"), "value", kwargs.get("version")))
                return credentials_for(id, version) if id in Store.tokens_c else None
            if module == ModuleID.tokens:
                # The Tokens Sender's authorize route asks first whether the token is ours
                # (`None`: py_ocpi answers 404, as OCPI wants for an unknown token).
                token = our_token(id, kwargs.get("token_type"))
                if token is None:
                    Store.authorizations.append(
                        {
                            "uid": str(id),
                            "type": plain(kwargs.get("token_type")),
                            "location": None,
                            "allowed": None,
                            "partner": Store.tokens_c.get(kwargs.get("auth_token")),
                        }
                    )
                return token
            return Store.objects.get(module, {}).get(str(id))

        @classmethod
        async def list(cls, module, role, filters, *args, **kwargs):
            items = list(Store.objects.get(module, {}).values())
            offset, limit = filters.get("offset", 0), filters.get("limit", 50)
            page = items[offset : offset + limit]
            return page, len(items), offset + limit >= len(items)

        @classmethod
        async def create(cls, module, role, data, *args, **kwargs):
            if module == ModuleID.credentials_and_registration:
                # A CPO registered with token A (kwargs["auth_token"], already checked by
                # py_ocpi): keep its credentials and endpoints, spend token A, hand out C.
                token_a = kwargs.get("auth_token")
                Store.tokens_a.discard(token_a)
                version = str(getattr(kwargs.get("version"), "value", kwargs.get("version")))
                index = store_partner(None, data["credentials"], data["endpoints"], version, "B")
                token_c = new_token()
                Store.tokens_c[token_c] = index
                return credentials_for(token_c, version)
            key = kwargs.get("id") or data.get("id") or data.get("uid") or str(uuid.uuid4())
            Store.objects.setdefault(module, {})[str(key)] = data
            return data

        @classmethod
        async def update(cls, module, role, data, id, *args, **kwargs):
            if module == ModuleID.credentials_and_registration:
                token = kwargs.get("auth_token")
                index = Store.tokens_c.pop(token, None)
                version = str(getattr(kwargs.get("version"), "value", kwargs.get("version")))
                index = store_partner(index, data["credentials"], data["endpoints"], version, "B")
                token_c = new_token()
                Store.tokens_c[token_c] = index
                return credentials_for(token_c, version)
            if module == ModuleID.commands:
                # A command's result at our response_url `.../commands/{uid}`, read by
                # py_ocpi's CommandResult schema.
                Store.command_results.append(
                    {
                        "uid": str(id),
                        "result": plain(data),
                        "partner": Store.tokens_c.get(kwargs.get("auth_token")),
                    }
                )
            Store.objects.setdefault(module, {})[str(id)] = data
            return data

        @classmethod
        async def delete(cls, module, role, id, *args, **kwargs):
            if module == ModuleID.credentials_and_registration:
                Store.tokens_c.pop(id, None)
                return
            Store.objects.get(module, {}).pop(str(id), None)

        @classmethod
        async def do(cls, module, role, action, *args, data=None, **kwargs):
            if action == Action.get_client_token:
                index = Store.tokens_c.get(kwargs.get("auth_token"))
                return None if index is None else Store.partners[index]["token"]
            if action == Action.authorize_token:
                # A real-time authorization of one of our tokens (py_ocpi has checked that
                # it is ours): the answer set for it, ALLOWED by default, with the location
                # asked about when allowed there.
                token = our_token(data["token_uid"], data["token_type"])
                allowed = Store.answers.get(token["uid"].upper(), "ALLOWED")
                location = data.get("location_reference")
                Store.authorizations.append(
                    {
                        "uid": str(data["token_uid"]),
                        "type": plain(data["token_type"]),
                        "location": plain(location),
                        "allowed": allowed,
                        "partner": Store.tokens_c.get(kwargs.get("auth_token")),
                    }
                )
                info = {"allowed": allowed, "token": token}
                if allowed == "ALLOWED" and location:
                    info["location"] = location
                return info
            return None

    app = get_application(
        version_numbers=[VersionNumber(v) for v in args.versions.split(",")],
        roles=[RoleEnum.emsp],
        crud=MemoryCrud,
        modules=[
            ModuleID.credentials_and_registration,
            ModuleID.locations,
            ModuleID.tariffs,
            ModuleID.sessions,
            ModuleID.cdrs,
            ModuleID.tokens,
            ModuleID.commands,
        ],
        # WORKAROUND: get_application installs `authenticator` itself (not a function that
        # returns it) as the override of its dependency `get_authenticator`, so FastAPI
        # calls the class: it must be instantiable (all its abstract methods defined, no
        # constructor arguments); its class methods are then called on the instance.
        authenticator=MemoryAuthenticator,
    )

    # WORKAROUND: py_ocpi's lists (the eMSP's Tokens Sender) build their `Link` from
    # f"https://{OCPI_HOST}/{OCPI_PREFIX}/cpo/{version}/{module}/?...": always https, always
    # the CPO's path, and on Python 3.11 and later the enums format as their names
    # ("VersionNumber.v_2_2_1/ModuleID.tokens"). So a partner following it would get
    # nowhere; the next page's link is rebuilt here from the request's own URL.
    @app.middleware("http")
    async def next_link(request, call_next):
        response = await call_next(request)
        if response.headers.get("link"):
            offset = int(request.query_params.get("offset", 0))
            limit = int(response.headers.get("x-limit", 50))
            url = request.url.include_query_params(offset=offset + limit)
            response.headers["Link"] = f'<{url}>; rel="next"'
        return response

    authorize_path = re.compile(r"/ocpi/emsp/[0-9.]+/tokens/[^/]+/authorize")

    # WORKAROUND: py_ocpi's real-time authorization (POST {tokens}/{uid}/authorize) answers
    # its AuthorizationInfo as a list of one (`"data": [{...}]`), where OCPI's Response Data
    # is the AuthorizationInfo object itself (mod_tokens, 2.2.1 section 12.2.2.2: cardinality
    # 1). The list is unwrapped here; the object in it is what py_ocpi's AuthorizationInfo
    # schema made of our CRUD's answer.
    @app.middleware("http")
    async def authorization_info_object(request, call_next):
        response = await call_next(request)
        if request.method != "POST" or not authorize_path.fullmatch(request.url.path):
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        try:
            raw = json.loads(body)
        except ValueError:
            raw = None
        if isinstance(raw, dict) and isinstance(raw.get("data"), list) and len(raw["data"]) == 1:
            raw["data"] = raw["data"][0]
            body = json.dumps(raw).encode()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(body, status_code=response.status_code, headers=headers)

    # WORKAROUND: py_ocpi routes some collection endpoints with a trailing slash (the CDRs
    # receiver is `.../cdrs/`) while its version details publish them without one, and
    # FastAPI answers the published URL with a redirect (307), which an OCPI client need
    # not follow (ours does not: a redirect could send a signed push anywhere). The path is
    # given its slash here, before routing, as py_ocpi means it.
    #
    # WORKAROUND: py_ocpi's real-time authorization reads the token's type from the query
    # parameter `token_type` (it names the parameter as its Python argument), where OCPI
    # names it `type` (`{tokens}/{uid}/authorize?type=RFID`, 2.2.1 section 12.2.2.2), and
    # ignoring it would take every token for an RFID. The parameter is renamed here, before
    # routing.
    #
    # WORKAROUND: py_ocpi's 2.1.1 CDR schema names the end of the session `end_date_time`,
    # where OCPI 2.1.1 names it `stop_date_time` (mod_cdrs.md, 3.1 CDR Object), so it
    # refuses every CDR that follows the specification. A 2.1.1 CDR pushed to us is given
    # py_ocpi's name beside the specification's here, before routing (and one pulled, before
    # py_ocpi's schema reads it: `cdr_211_for_py_ocpi`).
    cdr_211_path = re.compile(r"/ocpi/emsp/2\.1\.1/cdrs/?")

    def before_routing(asgi):
        async def call(scope, receive, send):
            path = scope.get("path", "")
            if (
                scope.get("type") == "http"
                and scope.get("method") == "POST"
                and cdr_211_path.fullmatch(path)
            ):
                scope, receive = await with_cdr_211_for_py_ocpi(scope, receive)
            if scope.get("type") == "http" and re.fullmatch(r"/ocpi/emsp/[0-9.]+/cdrs", path):
                scope = dict(scope, path=path + "/", raw_path=(path + "/").encode())
            if scope.get("type") == "http" and authorize_path.fullmatch(path):
                query = urllib.parse.parse_qsl(scope.get("query_string", b"").decode())
                if not any(name == "token_type" for name, _ in query):
                    query = [("token_type" if n == "type" else n, v) for n, v in query]
                query_string = urllib.parse.urlencode(query).encode()
                scope = dict(scope, query_string=query_string)
            await asgi(scope, receive, send)

        return call

    async def with_cdr_211_for_py_ocpi(scope, receive):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            body = json.dumps(cdr_211_for_py_ocpi(json.loads(body))).encode()
        except ValueError:
            pass
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def rewritten():
            return pending.pop() if pending else await receive()

        return dict(scope, headers=headers), rewritten

    config = uvicorn.Config(
        before_routing(app),
        log_level="warning",
        access_log=False,
        lifespan="off",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if serving.done():
            serving.result()
            return
        await asyncio.sleep(0.01)
    emit({"event": "ready", "port": port, "versions_url": versions_url})

    # --- The eMSP as a client of the CPO: py_ocpi has no client, httpx is its HTTP client.

    def cpo() -> dict:
        # The CPO that registered with us or we with it last: its token, version, endpoints.
        if not Store.partners:
            raise RuntimeError("no CPO registered")
        return Store.partners[-1]

    def auth_header(token: str, version: str) -> str:
        # OCPI 2.2.1 sends the token base64-encoded, 2.1.1 as it is.
        return f"Token {b64(token) if version.startswith('2.2') else token}"

    def headers(token: str, version: str) -> dict:
        request_id = str(uuid.uuid4())
        return {
            "Authorization": auth_header(token, version),
            "X-Request-ID": request_id,
            "X-Correlation-ID": request_id,
        }

    def envelope(response) -> OCPIResponse:
        # A PUT that creates an object may be answered 201 Created: any 2xx with OCPI
        # status 1000 is a success.
        if not 200 <= response.status_code < 300:
            raise RuntimeError(
                f"{response.request.method} {response.request.url}: HTTP "
                f"{response.status_code}: {response.text[:500]}"
            )
        raw = response.json()
        if raw.get("status_code") != 1000:
            raise RuntimeError(
                f"{response.request.method} {response.request.url}: OCPI status "
                f"{raw.get('status_code')} {raw.get('status_message')}"
            )
        # WORKAROUND: py_ocpi's OCPIResponse requires `data`, which OCPI makes optional
        # (an error, or a success with nothing to say such as a PUT's, leaves it out): only
        # answers with status 1000 are parsed with it, an absent `data` read as an empty
        # object (py_ocpi takes neither null nor nothing).
        return OCPIResponse.parse_obj({"data": {}, **raw})

    def version_name(version: str) -> str:
        return VersionNumber(version).name

    async def register(cmd: dict) -> dict:
        token_a = cmd["token"]
        token_b = new_token()
        try:
            return await exchange(cmd, token_a, token_b)
        except Exception:
            Store.tokens_c.pop(token_b, None)
            raise

    async def exchange(cmd: dict, token_a: str, token_b: str) -> dict:
        # The version: the highest both speak, or the one the command names.
        wanted = [cmd["version"]] if cmd.get("version") else ["2.2.1", "2.1.1"]
        async with httpx.AsyncClient(timeout=10) as client:
            # The versions URL is called with token A, encoded as the wanted version has it.
            response = await client.get(cmd["versions_url"], headers=headers(token_a, wanted[0]))
            offered = [Version.parse_obj(v) for v in envelope(response).data]
            mutual = [v for v in offered if v.version.value in wanted]
            if not mutual:
                raise RuntimeError(f"no mutual version in {offered}")
            chosen = max(mutual, key=lambda v: [int(p) for p in v.version.value.split(".")])
            version = chosen.version.value
            details_model = get_module_model("VersionDetail", "versions", version_name(version))
            response = await client.get(chosen.url, headers=headers(token_a, version))
            details = details_model.parse_obj(envelope(response).data)
            endpoints = [json.loads(e.json()) for e in details.endpoints]
            credentials_url = next(
                e["url"] for e in endpoints if e["identifier"] == "credentials"
            )
            # Token B: the CPO calls our versions with it during the exchange and afterwards.
            Store.tokens_c[token_b] = len(Store.partners)
            credentials_model = get_module_model(
                "Credentials", "credentials", version_name(version)
            )
            ours = credentials_for(token_b, version)
            body = json.loads(credentials_model.parse_obj(ours).json())
            response = await client.post(
                credentials_url, json=body, headers=headers(token_a, version)
            )
            theirs = credentials_model.parse_obj(envelope(response).data)
            theirs = json.loads(theirs.json())
        Store.partners.append(
            {
                "direction": "A",
                "token": theirs["token"],
                "versions_url": theirs["url"],
                "roles": roles_of(theirs),
                "version": version,
                "endpoints": endpoints,
            }
        )
        return {
            "version": version,
            "endpoints": endpoints,
            "credentials": theirs,
            "sent": body,
        }

    def sender_url(module: str) -> str:
        for endpoint in cpo()["endpoints"]:
            role = endpoint.get("role")
            if endpoint["identifier"] == module and role in (None, "SENDER"):
                return endpoint["url"]
        raise RuntimeError(f"the CPO has no {module} Sender endpoint: {cpo()['endpoints']}")

    def receiver_url(module: str) -> str:
        for endpoint in cpo()["endpoints"]:
            role = endpoint.get("role")
            if endpoint["identifier"] == module and role in (None, "RECEIVER"):
                return endpoint["url"]
        raise RuntimeError(f"the CPO has no {module} Receiver endpoint: {cpo()['endpoints']}")

    async def push_token(cmd: dict) -> dict:
        # One of our tokens, validated with py_ocpi's schema, PUT to the CPO's Tokens
        # Receiver at {country_code}/{party_id}/{uid} (2.2.1: with ?type=).
        token = cmd["token"]
        version = cpo()["version"]
        get_module_model("Token", "tokens", version_name(version)).parse_obj(token)
        if cmd.get("keep", True):
            Store.objects.setdefault(ModuleID.tokens, {})[f"{token['type']}/{token['uid']}"] = token
        if cmd.get("allowed", "ALLOWED") != "ALLOWED":
            Store.answers[token["uid"].upper()] = cmd["allowed"]
        else:
            Store.answers.pop(token["uid"].upper(), None)
        url = receiver_url("tokens").rstrip("/") + (
            f"/{token['country_code']}/{token['party_id']}/{token['uid']}"
        )
        params = {"type": token["type"]} if version.startswith("2.2") else None
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.put(
                url, params=params, json=token, headers=headers(cpo()["token"], version)
            )
        envelope(response)
        return {"http_status": response.status_code}

    module_schemas = {"locations": "Location", "tariffs": "Tariff", "sessions": "Session",
                      "cdrs": "Cdr", "tokens": "Token"}

    def next_link(value) -> str | None:
        for part in (value or "").split(","):
            match = re.match(r'\s*<([^>]*)>\s*;\s*rel="?next"?', part)
            if match:
                return match.group(1)
        return None

    async def pull(cmd: dict) -> dict:
        module = cmd["module"]
        model = get_module_model(module_schemas[module], module, version_name(cpo()["version"]))
        url = sender_url(module)
        params = {"limit": cmd["limit"]} if cmd.get("limit") else None
        pages, objects = [], []
        async with httpx.AsyncClient(timeout=10) as client:
            while url and len(pages) < 100:
                response = await client.get(
                    url, params=params, headers=headers(cpo()["token"], cpo()["version"])
                )
                data = envelope(response).data
                for obj in data:
                    if module == "cdrs" and cpo()["version"] == "2.1.1":
                        model.parse_obj(cdr_211_for_py_ocpi(obj))
                    else:
                        model.parse_obj(obj)
                    if module == "locations":
                        # As an eMSP does: the locations pulled are kept, so that the CPO's
                        # later pushes of their EVSEs' status (PATCH) find them.
                        Store.objects.setdefault(ModuleID.locations, {})[str(obj["id"])] = obj
                objects.extend(data)
                pages.append(
                    {
                        "url": str(response.request.url),
                        "count": len(data),
                        "x_total_count": response.headers.get("X-Total-Count"),
                        "x_limit": response.headers.get("X-Limit"),
                        "link": response.headers.get("Link"),
                    }
                )
                url, params = next_link(response.headers.get("Link")), None
        return {"pages": pages, "objects": objects}

    async def get(cmd: dict) -> dict:
        module = cmd["module"]
        model = get_module_model(cmd["schema"], module, version_name(cpo()["version"]))
        url = sender_url(module).rstrip("/") + "/" + cmd["path"]
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(url, headers=headers(cpo()["token"], cpo()["version"]))
        data = envelope(response).data
        model.parse_obj(data)
        return {"object": data}

    command_schemas = {
        "START_SESSION": "StartSession",
        "STOP_SESSION": "StopSession",
        "UNLOCK_CONNECTOR": "UnlockConnector",
        "RESERVE_NOW": "ReserveNow",
        "CANCEL_RESERVATION": "CancelReservation",
    }

    async def send_command(cmd: dict) -> dict:
        # A command POSTed to the CPO's Commands Receiver at {commands}/{command}, its result
        # to come to our Commands module at .../commands/{uid}.
        version = cpo()["version"]
        if version != "2.2.1":
            raise RuntimeError(f"commands are sent in OCPI 2.2.1 only, not {version}")
        response_url = f"http://127.0.0.1:{port}/ocpi/emsp/{version}/commands/{cmd['uid']}"
        body = {"response_url": response_url, **cmd["body"]}
        schema = command_schemas[cmd["command"]]
        get_module_model(schema, "commands", version_name(version)).parse_obj(body)
        url = receiver_url("commands").rstrip("/") + "/" + cmd["command"]
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, json=body, headers=headers(cpo()["token"], version))
        data = envelope(response).data
        answer = get_module_model("CommandResponse", "commands", version_name(version))
        return {
            "response": json.loads(answer.parse_obj(data).json()),
            "response_url": response_url,
        }

    async def command(cmd: dict) -> dict:
        name = cmd.get("cmd")
        if name == "register":
            return await register(cmd)
        if name == "pull":
            return await pull(cmd)
        if name == "get":
            return await get(cmd)
        if name == "push_token":
            return await push_token(cmd)
        if name == "send_command":
            return await send_command(cmd)
        if name == "issue_token_a":
            token = new_token()
            Store.tokens_a.add(token)
            return {"token": token}
        if name == "put":
            # An object of ours for a Sender module (such as a token), by its id or uid.
            obj = cmd["object"]
            Store.objects.setdefault(cmd["module"], {})[str(obj.get("id") or obj["uid"])] = obj
            return {}
        if name == "state":
            return {
                "partners": Store.partners,
                "objects": Store.objects,
                "authorizations": Store.authorizations,
                "command_results": Store.command_results,
            }
        raise RuntimeError(f"unknown command {name!r}")

    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd.get("cmd") == "quit":
                emit({"ok": True})
                break
            result = await command(cmd)
            emit({"ok": True, **result})
        except Exception as error:  # noqa: BLE001 - every failure is the test's to read
            emit({"ok": False, "error": f"{type(error).__name__}: {error}"})

    server.should_exit = True
    await serving


if __name__ == "__main__":
    main()
