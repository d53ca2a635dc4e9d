"""A central system built on the Python `ocpp` package, run against our charge-point client.

usage: central_system.py 1.6|2.0.1

Listens on a free port of 127.0.0.1 and prints `listening on PORT`. Accepts the station's
boot, heartbeats and authorizations; after the boot it calls the station (ClearCache, then
GetConfiguration in 1.6 or GetVariables in 2.0.1) and prints the answers as JSON lines. Once
the station's authorization is answered, it closes the connection and exits 0 when the
answers were as expected.
"""

import asyncio
import datetime
import json
import sys

import websockets
from ocpp.routing import after, on


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def report(**fields):
    print(json.dumps(fields), flush=True)


def csms_16(identity, ws, booted, authorized):
    from ocpp.v16 import ChargePoint, call, call_result
    from ocpp.v16.enums import Action, RegistrationStatus

    class Csms(ChargePoint):
        @on(Action.boot_notification)
        def on_boot(self, charge_point_vendor, charge_point_model, **kwargs):
            report(step="boot", vendor=charge_point_vendor, model=charge_point_model)
            booted.set()
            return call_result.BootNotification(
                current_time=now(), interval=300, status=RegistrationStatus.accepted)

        @on(Action.heartbeat)
        def on_heartbeat(self, **kwargs):
            return call_result.Heartbeat(current_time=now())

        @on(Action.authorize)
        def on_authorize(self, id_tag, **kwargs):
            report(step="authorize", id_tag=id_tag)
            return call_result.Authorize(id_tag_info={"status": "Accepted"})

        # The station's last call: once answered, the connection may close.
        @after(Action.authorize)
        def after_authorize(self, **kwargs):
            authorized.set()

    async def commands(cp):
        cleared = await cp.call(call.ClearCache())
        report(step="clear_cache", status=cleared.status)
        config = await cp.call(call.GetConfiguration(key=["HeartbeatInterval"]))
        report(step="get_configuration", keys=config.configuration_key)
        return cleared.status == "Accepted" and config.configuration_key[0]["value"] == "300"

    return Csms(identity, ws), commands


def csms_201(identity, ws, booted, authorized):
    from ocpp.v201 import ChargePoint, call, call_result
    from ocpp.v201.enums import Action

    class Csms(ChargePoint):
        @on(Action.boot_notification)
        def on_boot(self, charging_station, reason, **kwargs):
            report(step="boot", vendor=charging_station["vendor_name"], reason=reason)
            booted.set()
            return call_result.BootNotification(current_time=now(), interval=300, status="Accepted")

        @on(Action.heartbeat)
        def on_heartbeat(self, **kwargs):
            return call_result.Heartbeat(current_time=now())

        @on(Action.authorize)
        def on_authorize(self, id_token, **kwargs):
            report(step="authorize", id_token=id_token["id_token"])
            return call_result.Authorize(id_token_info={"status": "Accepted"})

        @after(Action.authorize)
        def after_authorize(self, **kwargs):
            authorized.set()

    async def commands(cp):
        cleared = await cp.call(call.ClearCache())
        report(step="clear_cache", status=cleared.status)
        variables = await cp.call(call.GetVariables(get_variable_data=[
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]))
        report(step="get_variables", results=variables.get_variable_result)
        result = variables.get_variable_result[0]
        return cleared.status == "Accepted" and result["attribute_value"] == "300"

    return Csms(identity, ws), commands


async def main():
    version = sys.argv[1]
    subprotocol = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}[version]
    outcome = asyncio.get_running_loop().create_future()

    async def handler(ws):
        identity = ws.request.path.rstrip("/").split("/")[-1]
        booted = asyncio.Event()
        authorized = asyncio.Event()
        make = csms_16 if version == "1.6" else csms_201
        cp, commands = make(identity, ws, booted, authorized)
        serving = asyncio.create_task(cp.start())
        try:
            await asyncio.wait_for(booted.wait(), 10)
            ok = await commands(cp)
            await asyncio.wait_for(authorized.wait(), 10)
        except Exception as error:  # reported, then the process fails
            report(step="error", error=repr(error))
            ok = False
        serving.cancel()
        await ws.close()
        if not outcome.done():
            outcome.set_result(ok)

    async with websockets.serve(handler, "127.0.0.1", 0, subprotocols=[subprotocol]) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on {port}", flush=True)
        ok = await asyncio.wait_for(outcome, 30)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    asyncio.run(main())
