"""A small instantaneous overcurrent relay on libiec61850 (pyiec61850-ng): the protection
function under test in gridhil's GOOSE trip loop.

usage: python overcurrent_relay.py IFACE THRESHOLD_A

Subscribes to the 9-2LE stream with APPID 0x4000 on IFACE; when a phase current exceeds
THRESHOLD_A (peak) in four consecutive samples (1 ms at 4 kHz), it trips: the GOOSE control
block RELAY1PROT/LLN0$GO$trip (APPID 0x0101, dataset: one boolean) goes to a new state
with trip = true, repeated after 2, 4, 8 … ms up to the 100 ms heartbeat it sends before.
Prints "ready" once it listens and has published; stops when its standard input closes and
prints one JSON line: whether it tripped, the smpCnt and current that tripped it, frames sent.
"""
import json
import sys
import threading

import pyiec61850.pyiec61850 as L
from pyiec61850.sv import SVSubscriber

HEARTBEAT = 0.1


def main():
    iface, threshold = sys.argv[1], float(sys.argv[2])
    limit = threshold * 1000  # 9-2LE currents: 1 mA per LSB
    trip = threading.Event()
    stop = threading.Event()
    found = {}
    over = [0]

    def on_sample(msg):
        if trip.is_set() or len(msg.values) < 6:
            return
        current = max(abs(msg.values[0]), abs(msg.values[2]), abs(msg.values[4]))
        over[0] = over[0] + 1 if current > limit else 0
        if over[0] >= 4:
            found.update(smp_cnt=msg.smp_cnt, current_a=current / 1000)
            trip.set()

    cp = L.CommParameters()
    cp.appId = 0x0101
    cp.vlanId = 0
    cp.vlanPriority = 4
    L.CommParameters_setDstAddress(cp, 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01)
    pub = L.GoosePublisher_create(cp, iface)
    if not pub:
        sys.exit("GoosePublisher_create failed (needs CAP_NET_RAW and an interface that is up)")
    L.GoosePublisher_setGoCbRef(pub, "RELAY1PROT/LLN0$GO$trip")
    L.GoosePublisher_setDataSetRef(pub, "RELAY1PROT/LLN0$Trip")
    L.GoosePublisher_setConfRev(pub, 1)
    L.GoosePublisher_setTimeAllowedToLive(pub, int(3 * HEARTBEAT * 1000))
    value = L.MmsValue_newBoolean(False)
    dataset = L.LinkedList_create()
    L.LinkedList_add(dataset, value)

    sub = SVSubscriber(iface)
    sub.set_app_id(0x4000)
    sub.set_listener(on_sample)
    sub.start()
    frames = 0
    L.GoosePublisher_publish(pub, dataset)
    frames += 1
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    gap = HEARTBEAT
    tripped = False
    while not stop.is_set():
        if not tripped and trip.wait(gap):
            tripped = True
            L.MmsValue_setBoolean(value, True)
            L.GoosePublisher_increaseStNum(pub)
            gap = 0.002
        elif tripped:
            stop.wait(gap)
            gap = min(2 * gap, HEARTBEAT)
        L.GoosePublisher_publish(pub, dataset)
        frames += 1
    sub.stop()
    L.GoosePublisher_destroy(pub)
    print(json.dumps({"tripped": tripped, "frames": frames, **found}), flush=True)


if __name__ == "__main__":
    main()
