"""A charge point built on the Python `ocpp` package, run against our server.

usage: charge_point.py URL IDENTITY 1.6|2.0.1

Boots, sends a heartbeat and a status, authorizes, runs a transaction with a meter value,
then waits for the CSMS to call ClearCache. In 2.0.1 it also sends a NotifyReport of some
80 KB and answers a DataTransfer with the length of its data: large enough for the
WebSocket compression that `websockets` offers by default to matter. Prints one JSON line
per step; exits 0 when every answer was as expected.
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


async def run_16(ws, identity):
    from ocpp.v16 import ChargePoint, call, call_result
    from ocpp.v16.enums import Action, AuthorizationStatus, ClearCacheStatus, RegistrationStatus

    cleared = asyncio.Event()

    class Station(ChargePoint):
        @on(Action.clear_cache)
        def on_clear_cache(self, **kwargs):
            return call_result.ClearCache(status=ClearCacheStatus.accepted)

        # After the answer went out: the station may then disconnect.
        @after(Action.clear_cache)
        def after_clear_cache(self, **kwargs):
            cleared.set()

    cp = Station(identity, ws)
    serving = asyncio.create_task(cp.start())
    boot = await cp.call(call.BootNotification(charge_point_model="Py", charge_point_vendor="mobilityhouse"))
    assert boot.status == RegistrationStatus.accepted, boot
    report(step="boot", status=boot.status)
    await cp.call(call.Heartbeat())
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    auth = await cp.call(call.Authorize(id_tag="PY-TAG"))
    assert auth.id_tag_info["status"] == AuthorizationStatus.accepted, auth
    start = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="PY-TAG", meter_start=0, timestamp=now())
    )
    report(step="start", transaction_id=start.transaction_id)
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=start.transaction_id,
            meter_value=[{"timestamp": now(), "sampled_value": [
                {"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}],
        )
    )
    await cp.call(
        call.StopTransaction(meter_stop=1500, timestamp=now(), transaction_id=start.transaction_id)
    )
    report(step="stop")
    await asyncio.wait_for(cleared.wait(), 10)
    report(step="cleared")
    serving.cancel()


async def run_201(ws, identity):
    from ocpp.v201 import ChargePoint, call, call_result
    from ocpp.v201.enums import Action, AuthorizationStatusEnumType, ClearCacheStatusEnumType

    cleared = asyncio.Event()

    class Station(ChargePoint):
        @on(Action.clear_cache)
        def on_clear_cache(self, **kwargs):
            return call_result.ClearCache(status=ClearCacheStatusEnumType.accepted)

        @on(Action.data_transfer)
        def on_data_transfer(self, vendor_id, data=None, **kwargs):
            size = len(json.dumps(data, separators=(",", ":")))
            report(step="data_transfer", vendor_id=vendor_id, size=size)
            return call_result.DataTransfer(status="Accepted", data=size)

        @after(Action.clear_cache)
        def after_clear_cache(self, **kwargs):
            cleared.set()

    cp = Station(identity, ws)
    serving = asyncio.create_task(cp.start())
    boot = await cp.call(call.BootNotification(
        charging_station={"model": "Py", "vendor_name": "mobilityhouse"}, reason="PowerUp"))
    assert boot.status == "Accepted", boot
    report(step="boot", status=boot.status)
    await cp.call(call.Heartbeat())
    await cp.call(call.StatusNotification(
        timestamp=now(), connector_status="Available", evse_id=1, connector_id=1))
    token = {"id_token": "PY-TAG", "type": "ISO14443"}
    auth = await cp.call(call.Authorize(id_token=token))
    assert auth.id_token_info["status"] == AuthorizationStatusEnumType.accepted, auth
    report_data = [
        {
            "component": {"name": "EVSE", "evse": {"id": 1 + i % 2}},
            "variable": {"name": f"Power{i}"},
            "variable_attribute": [{"type": "Actual", "value": str(i * 37 % 22000)}],
        }
        for i in range(600)
    ]
    await cp.call(call.NotifyReport(
        request_id=1, generated_at=now(), seq_no=0, report_data=report_data))
    report(step="report", entries=len(report_data))
    meter = [{"timestamp": now(), "sampled_value": [
        {"value": 1500, "measurand": "Energy.Active.Import.Register"}]}]
    for seq_no, (event, trigger) in enumerate(
        [("Started", "Authorized"), ("Updated", "MeterValuePeriodic"), ("Ended", "StopAuthorized")]
    ):
        await cp.call(call.TransactionEvent(
            event_type=event, timestamp=now(), trigger_reason=trigger, seq_no=seq_no,
            transaction_info={"transaction_id": "py-1"}, id_token=token, meter_value=meter,
            evse={"id": 1, "connector_id": 1}))
        report(step=event.lower())
    await asyncio.wait_for(cleared.wait(), 10)
    report(step="cleared")
    serving.cancel()


async def main():
    url, identity, version = sys.argv[1:4]
    subprotocol = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}[version]
    async with websockets.connect(f"{url}/{identity}", subprotocols=[subprotocol]) as ws:
        report(step="connected", subprotocol=ws.subprotocol,
               extensions=ws.response.headers.get("Sec-WebSocket-Extensions"))
        await (run_16 if version == "1.6" else run_201)(ws, identity)


if __name__ == "__main__":
    asyncio.run(main())
