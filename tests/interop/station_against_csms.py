"""A charge point built on the Python `ocpp` package, run against the reference CSMS (the
`csms` example) by tests/csms_interop.rs.

usage: station_against_csms.py URL IDENTITY VERSIONS TOKEN BLOCKED_TOKEN [session|boot]

VERSIONS is 1.6, 2.0.1 or 2.1, or several offered at once, preferred first (2.1,2.0.1).
Connects to URL/IDENTITY offering their subprotocols and, in the version the CSMS picks, as
a station would:

- boots (BootNotification), sends a heartbeat and the status of its connector;
- authorizes TOKEN, then BLOCKED_TOKEN (whose answer the test checks);
- charges with TOKEN: the energy register reads 2500 Wh at the start, 6 kWh a quarter of an
  hour later and 12500 Wh at the end, half an hour after the start (1.6 StartTransaction,
  MeterValues, StopTransaction; 2.x TransactionEvent Started, Updated, Ended);
- frees its connector and prints `ready`;
- then answers the CSMS's calls: GetConfiguration (1.6) or GetVariables (2.x) of
  HeartbeatInterval with the interval its boot was given, and Reset;
- closes the connection and prints `closed` with the close code it got: 1000 when the CSMS
  answered its Close frame with one, 1006 when the connection just ended.

With `boot` instead of `session` (the default), it only boots before it closes.

Every message, both ways, is validated against the package's schemas of the version; every
call must be answered with a CALLRESULT. Prints one JSON line per step; exits 0 when every
answer had the expected form, 1 (after an `error` line) otherwise.
"""

import asyncio
import datetime
import json
import sys

import websockets
from ocpp.routing import after, on

# The energy register of the session, in Wh: start, a quarter of an hour in, and stop.
METER_START_WH = 2500
METER_MIDDLE_WH = 6000
METER_STOP_WH = 12500


def report(**fields):
    print(json.dumps(fields), flush=True)


def timestamps():
    """The start, middle and end of the session: half an hour, ending now."""
    end = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    start = end - datetime.timedelta(minutes=30)
    middle = start + datetime.timedelta(minutes=15)
    return tuple(t.isoformat().replace("+00:00", "Z") for t in (start, middle, end))


def expect(what, actual, expected):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


async def run_16(cp_class, ws, identity, token, blocked, done):
    from ocpp.v16 import call, call_result
    from ocpp.v16.enums import Action

    state = {}

    class Station(cp_class):
        @on(Action.get_configuration)
        def on_get_configuration(self, key=None, **kwargs):
            report(step="command", action="GetConfiguration", keys=key)
            known = {"HeartbeatInterval": str(state["interval"])}
            asked = key or list(known)
            return call_result.GetConfiguration(
                configuration_key=[
                    {"key": k, "readonly": False, "value": known[k]} for k in asked if k in known
                ],
                unknown_key=[k for k in asked if k not in known] or None,
            )

        @on(Action.reset)
        def on_reset(self, type, **kwargs):
            report(step="command", action="Reset", type=type)
            return call_result.Reset(status="Accepted")

        # After the answer went out: the station may then restart.
        @after(Action.reset)
        def after_reset(self, **kwargs):
            done.set()

    cp = Station(identity, ws)
    serving = asyncio.create_task(cp.start())
    start_at, middle_at, end_at = timestamps()

    boot = await cp.call(boot_request("1.6"), suppress=False)
    expect("boot status", boot.status, "Accepted")
    state["interval"] = boot.interval
    report(step="boot", status=boot.status, interval=boot.interval)
    await cp.call(call.Heartbeat(), suppress=False)
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
        suppress=False,
    )
    report(step="status", status="Available")

    auth = await cp.call(call.Authorize(id_tag=token), suppress=False)
    report(step="authorize", token=token, status=auth.id_tag_info["status"])
    refused = await cp.call(call.Authorize(id_tag=blocked), suppress=False)
    report(step="authorize", token=blocked, status=refused.id_tag_info["status"])

    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"),
        suppress=False,
    )
    start = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag=token, meter_start=METER_START_WH, timestamp=start_at
        ),
        suppress=False,
    )
    report(
        step="started",
        transaction_id=start.transaction_id,
        status=start.id_tag_info["status"],
    )
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"),
        suppress=False,
    )
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=start.transaction_id,
            meter_value=[
                {
                    "timestamp": middle_at,
                    "sampled_value": [
                        {
                            "value": f"{METER_MIDDLE_WH / 1000:.3f}",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "kWh",
                            "context": "Sample.Periodic",
                        },
                        {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        ),
        suppress=False,
    )
    report(step="meter_values")
    stop = await cp.call(
        call.StopTransaction(
            meter_stop=METER_STOP_WH,
            timestamp=end_at,
            transaction_id=start.transaction_id,
            id_tag=token,
            reason="Local",
            transaction_data=[
                {
                    "timestamp": end_at,
                    "sampled_value": [
                        {
                            "value": str(METER_STOP_WH),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                            "context": "Transaction.End",
                        }
                    ],
                }
            ],
        ),
        suppress=False,
    )
    report(step="stopped", status=(stop.id_tag_info or {}).get("status"))
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
        suppress=False,
    )
    return serving


async def run_2x(version, cp_class, ws, identity, token, blocked, done):
    if version == "2.1":
        from ocpp.v21 import call, call_result
        from ocpp.v21.enums import Action
    else:
        from ocpp.v201 import call, call_result
        from ocpp.v201.enums import Action

    state = {}

    class Station(cp_class):
        @on(Action.get_variables)
        def on_get_variables(self, get_variable_data, **kwargs):
            results = []
            for data in get_variable_data:
                component = data["component"]["name"]
                variable = data["variable"]["name"]
                report(
                    step="command", action="GetVariables", component=component, variable=variable
                )
                known = (component, variable) == ("OCPPCommCtrlr", "HeartbeatInterval")
                result = {
                    "attribute_status": "Accepted" if known else "UnknownVariable",
                    "component": data["component"],
                    "variable": data["variable"],
                }
                if known:
                    result["attribute_value"] = str(state["interval"])
                results.append(result)
            return call_result.GetVariables(get_variable_result=results)

        @on(Action.reset)
        def on_reset(self, type, **kwargs):
            report(step="command", action="Reset", type=type)
            return call_result.Reset(status="Accepted")

        @after(Action.reset)
        def after_reset(self, **kwargs):
            done.set()

    cp = Station(identity, ws)
    serving = asyncio.create_task(cp.start())
    start_at, middle_at, end_at = timestamps()

    boot = await cp.call(boot_request(version), suppress=False)
    expect("boot status", boot.status, "Accepted")
    state["interval"] = boot.interval
    report(step="boot", status=boot.status, interval=boot.interval)
    await cp.call(call.Heartbeat(), suppress=False)

    async def status(connector_status):
        await cp.call(
            call.StatusNotification(
                timestamp=datetime.datetime.now(datetime.timezone.utc).isoformat(),
                connector_status=connector_status,
                evse_id=1,
                connector_id=1,
            ),
            suppress=False,
        )
        report(step="status", status=connector_status)

    await status("Available")

    def id_token(uid):
        return {"id_token": uid, "type": "ISO14443"}

    auth = await cp.call(call.Authorize(id_token=id_token(token)), suppress=False)
    report(step="authorize", token=token, status=auth.id_token_info["status"])
    refused = await cp.call(call.Authorize(id_token=id_token(blocked)), suppress=False)
    report(step="authorize", token=blocked, status=refused.id_token_info["status"])

    await status("Occupied")
    transaction_id = f"{identity}-py-{version}"

    def energy(at, value, context, unit="Wh"):
        return [
            {
                "timestamp": at,
                "sampled_value": [
                    {
                        "value": value,
                        "measurand": "Energy.Active.Import.Register",
                        "context": context,
                        "unit_of_measure": {"unit": unit},
                    }
                ],
            }
        ]

    events = [
        dict(
            event_type="Started",
            timestamp=start_at,
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": transaction_id, "charging_state": "Charging"},
            id_token=id_token(token),
            evse={"id": 1, "connector_id": 1},
            meter_value=energy(start_at, METER_START_WH, "Transaction.Begin"),
        ),
        dict(
            event_type="Updated",
            timestamp=middle_at,
            trigger_reason="MeterValuePeriodic",
            seq_no=1,
            transaction_info={"transaction_id": transaction_id, "charging_state": "Charging"},
            meter_value=energy(middle_at, METER_MIDDLE_WH / 1000, "Sample.Periodic", "kWh"),
        ),
        dict(
            event_type="Ended",
            timestamp=end_at,
            trigger_reason="StopAuthorized",
            seq_no=2,
            transaction_info={
                "transaction_id": transaction_id,
                "charging_state": "EVConnected",
                "stopped_reason": "Local",
            },
            id_token=id_token(token),
            meter_value=energy(end_at, METER_STOP_WH, "Transaction.End"),
        ),
    ]
    for event in events:
        answer = await cp.call(call.TransactionEvent(**event), suppress=False)
        info = answer.id_token_info or {}
        report(
            step=event["event_type"].lower(),
            transaction_id=transaction_id,
            status=info.get("status"),
            total_cost=answer.total_cost,
        )
    await status("Available")
    return serving


def boot_request(version):
    """The station's BootNotification in `version`."""
    if version == "1.6":
        from ocpp.v16 import call

        return call.BootNotification(
            charge_point_vendor="mobilityhouse",
            charge_point_model="ocpp-python",
            firmware_version="ocpp 2.1.0",
        )
    if version == "2.1":
        from ocpp.v21 import call
    else:
        from ocpp.v201 import call
    return call.BootNotification(
        charging_station={
            "vendor_name": "mobilityhouse",
            "model": "ocpp-python",
            "firmware_version": "ocpp 2.1.0",
        },
        reason="PowerUp",
    )


async def main():
    url, identity, offer, token, blocked = sys.argv[1:6]
    mode = sys.argv[6] if len(sys.argv) > 6 else "session"
    # One version, or several offered at once (comma-separated, preferred first): the
    # station speaks the one the CSMS picks.
    subprotocols = ["ocpp" + version for version in offer.split(",")]
    done = asyncio.Event()
    async with websockets.connect(f"{url}/{identity}", subprotocols=subprotocols) as ws:
        report(step="connected", subprotocol=ws.subprotocol)
        await exchange(ws, ws.subprotocol.removeprefix("ocpp"), identity, token, blocked, mode, done)
    # 1006 when the connection ended without the CSMS's Close frame.
    report(step="closed", code=ws.close_code, reason=ws.close_reason)
    report(step="done")


async def exchange(ws, version, identity, token, blocked, mode, done):
    """What the station does once connected in `version`."""
    if version == "1.6":
        from ocpp.v16 import ChargePoint
    elif version == "2.0.1":
        from ocpp.v201 import ChargePoint
    else:
        from ocpp.v21 import ChargePoint
    if mode == "boot":
        cp = ChargePoint(identity, ws)
        serving = asyncio.create_task(cp.start())
        boot = await cp.call(boot_request(version), suppress=False)
        expect("boot status", boot.status, "Accepted")
        report(step="boot", status=boot.status, interval=boot.interval)
    else:
        if version == "1.6":
            serving = await run_16(ChargePoint, ws, identity, token, blocked, done)
        else:
            serving = await run_2x(version, ChargePoint, ws, identity, token, blocked, done)
        report(step="ready")
        # The test's commands come through the admin API; Reset is the last.
        await asyncio.wait_for(done.wait(), 60)
        # Let the Reset answer go out before the connection closes.
        await asyncio.sleep(0.2)
    serving.cancel()
    # The station closes the connection: the CSMS answers its Close frame with one.
    await ws.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as error:  # noqa: BLE001 - the test reads the reason
        report(step="error", error=f"{type(error).__name__}: {error}")
        sys.exit(1)
