"""c104 (PyPI c104==2.2.1, on lib60870) as an outstation for gridhil's iec104-client.

usage: python c104_server.py PORT VALUES

Serves station 1 on 127.0.0.1:PORT with a float point (IOA 1001) and a single point
(IOA 2001), and a single command (IOA 3001). Prints "ready" when listening, waits for a
master to open data transfer, then sends VALUES spontaneous float values 1.5·k (and the
single point k mod 2) 100 ms apart, waits a second for commands, and prints one JSON line:
the values sent and the commands received.
"""
import json
import sys
import time

import c104

commands = []


def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    commands.append(int(bool(point.value)))
    return c104.ResponseState.SUCCESS


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50)
    station = server.add_station(common_address=1)
    power = station.add_point(io_address=1001, type=c104.Type.M_ME_NC_1)
    state = station.add_point(io_address=2001, type=c104.Type.M_SP_NA_1)
    command = station.add_point(io_address=3001, type=c104.Type.C_SC_NA_1)
    command.on_receive(callable=on_command)
    power.value = -1.0
    server.start()
    print("ready", flush=True)
    deadline = time.time() + 30
    while not server.has_active_connections and time.time() < deadline:
        time.sleep(0.02)
    if not server.has_active_connections:
        sys.exit("no master started data transfer")
    time.sleep(0.3)  # the master's interrogation
    sent = []
    for k in range(count):
        power.value = 1.5 * k
        state.value = k % 2 == 1
        power.transmit(cause=c104.Cot.SPONTANEOUS)
        state.transmit(cause=c104.Cot.SPONTANEOUS)
        sent.append(1.5 * k)
        time.sleep(0.1)
    time.sleep(1.0)
    server.stop()
    print(json.dumps({"sent": sent, "commands": commands}), flush=True)


if __name__ == "__main__":
    main()
