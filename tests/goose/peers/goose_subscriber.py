"""libiec61850 (pyiec61850-ng) as a GOOSE subscriber for gridhil's tests.

usage: python goose_subscriber.py IFACE GOCBREF

Prints "ready" once its receiver runs, records every message of the control block until
its standard input closes, then prints one JSON line per message: stNum, sqNum,
timeAllowedtoLive, confRev, goID, datSet, validity, needsCommission, simulation (isTest)
and the values (structures as lists, bit strings as libiec61850's integers, UtcTime in ms).
"""
import json
import os
import sys

import pyiec61850.pyiec61850 as L


def value(v):
    kind = L.MmsValue_getType(v)
    if kind in (L.MMS_STRUCTURE, L.MMS_ARRAY):
        return [value(L.MmsValue_getElement(v, i)) for i in range(L.MmsValue_getArraySize(v))]
    if kind == L.MMS_BOOLEAN:
        return bool(L.MmsValue_getBoolean(v))
    if kind == L.MMS_INTEGER:
        return L.MmsValue_toInt64(v)
    if kind == L.MMS_UNSIGNED:
        return L.MmsValue_toUint32(v)
    if kind == L.MMS_FLOAT:
        return L.MmsValue_toDouble(v)
    if kind == L.MMS_BIT_STRING:
        bits = L.MmsValue_getBitStringSize(v)
        return "".join("1" if L.MmsValue_getBitStringBit(v, i) else "0" for i in range(bits))
    if kind == L.MMS_UTC_TIME:
        return L.MmsValue_getUtcTimeInMs(v)
    if kind in (L.MMS_VISIBLE_STRING, L.MMS_STRING):
        return L.MmsValue_toString(v)
    return None


class Handler(L.GooseHandler):
    def __init__(self, messages):
        super().__init__()
        self.messages = messages

    def trigger(self):
        s = self._libiec61850_goose_subscriber
        values = L.GooseSubscriber_getDataSetValues(s)
        self.messages.append({
            "st": L.GooseSubscriber_getStNum(s),
            "sq": L.GooseSubscriber_getSqNum(s),
            "tal": L.GooseSubscriber_getTimeAllowedToLive(s),
            "conf_rev": L.GooseSubscriber_getConfRev(s),
            "go_id": L.GooseSubscriber_getGoId(s),
            "dat_set": L.GooseSubscriber_getDataSet(s),
            "valid": bool(L.GooseSubscriber_isValid(s)),
            "nds_com": bool(L.GooseSubscriber_needsCommission(s)),
            "test": bool(L.GooseSubscriber_isTest(s)),
            "t_ms": L.GooseSubscriber_getTimestamp(s),
            "values": value(values) if values else None,
        })


def main():
    iface, gocb = sys.argv[1], sys.argv[2]
    messages = []
    sub = L.GooseSubscriber_create(gocb, None)
    handler = Handler(messages)
    bridge = L.GooseSubscriberForPython()
    bridge.setLibiec61850GooseSubscriber(sub)
    bridge.setEventHandler(handler)
    bridge.subscribe()
    receiver = L.GooseReceiver_create()
    L.GooseReceiver_addSubscriber(receiver, sub)
    L.GooseReceiver_setInterfaceId(receiver, iface)
    L.GooseReceiver_start(receiver)
    if not L.GooseReceiver_isRunning(receiver):
        sys.exit("GooseReceiver did not start (needs CAP_NET_RAW and an interface that is up)")
    L.GooseReceiver_tick(receiver)  # without it the first frames are lost
    print("ready", flush=True)
    sys.stdin.read()
    L.GooseReceiver_stop(receiver)
    for m in list(messages):
        print(json.dumps(m), flush=True)
    # The SWIG director objects crash the interpreter's teardown (segfault after the
    # receiver is stopped); everything is printed, so leave without it.
    os._exit(0)


if __name__ == "__main__":
    main()
