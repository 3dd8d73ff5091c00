"""c104 (an independent IEC 60870-5-104 implementation, PyPI c104==2.2.1) as the master of
gridhil's iec104-server, for gridhil's tests.

usage: python c104_client.py PORT SECONDS

Connects to 127.0.0.1:PORT and starts data transfer (c104's Init.ALL sometimes leaves the
connection muted: then it unmutes it), sends a station interrogation, records every received
message of points 1001 (float) and 2001 (single point) for SECONDS, sends a single command
(IOA 3001, on), a float set-point (IOA 3002, 42.5) and a command to an address the
outstation does not have (IOA 3999), and prints one JSON line per
received APDU as c104 decodes it (format, type, cause, address, value of the points), then
one line with the point values and the results of the interrogation and the commands.
"""
import json
import sys
import time

import c104

apdus = []
values = []


def on_raw(connection: c104.Connection, data: bytes) -> None:
    d = c104.explain_bytes_dict(apdu=data)
    apdus.append({
        "format": d.get("format"),
        "type": str(d.get("type", "")),
        "cot": str(d.get("cot", "")),
        "negative": d.get("negative", False),
        "ioa": d.get("firstInformationObjectAddress"),
        "tx": d.get("tx"),
        "rx": d.get("rx"),
    })


def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    value = point.value
    values.append({"ioa": point.io_address, "cot": str(message.cot),
                   "value": int(value) if isinstance(value, bool) else float(value)})
    return c104.ResponseState.SUCCESS


def main():
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=5000)
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
    connection.on_receive_raw(callable=on_raw)
    station = connection.add_station(common_address=1)
    for ioa, kind in [(1001, c104.Type.M_ME_TF_1), (2001, c104.Type.M_SP_TB_1)]:
        station.add_point(io_address=ioa, type=kind).on_receive(callable=on_receive)
    brk = station.add_point(io_address=3001, type=c104.Type.C_SC_NA_1)
    p_ref = station.add_point(io_address=3002, type=c104.Type.C_SE_NC_1)
    unknown = station.add_point(io_address=3999, type=c104.Type.C_SC_NA_1)
    client.start()
    deadline = time.time() + 30
    while not connection.is_connected and time.time() < deadline:
        time.sleep(0.02)
    if not connection.is_connected:
        sys.exit(f"no connection to port {port}: {connection.state}")
    connection.unmute()  # STARTDT act
    while connection.state != c104.ConnectionState.OPEN and time.time() < deadline:
        time.sleep(0.02)
    if connection.state != c104.ConnectionState.OPEN:
        sys.exit(f"data transfer never started: {connection.state}")
    interrogated = connection.interrogation(common_address=1, cause=c104.Cot.ACTIVATION, qualifier=c104.Qoi.STATION)
    time.sleep(seconds)
    brk.value = True
    brk_ok = brk.transmit(cause=c104.Cot.ACTIVATION)
    p_ref.value = 42.5
    p_ref_ok = p_ref.transmit(cause=c104.Cot.ACTIVATION)
    unknown.value = True
    unknown_ok = unknown.transmit(cause=c104.Cot.ACTIVATION)
    time.sleep(0.3)
    client.stop()
    for a in list(apdus):
        print(json.dumps(a))
    print(json.dumps({"values": list(values), "interrogation": interrogated, "brk": brk_ok, "p_ref": p_ref_ok, "unknown": unknown_ok}), flush=True)


if __name__ == "__main__":
    main()
