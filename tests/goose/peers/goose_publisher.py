"""libiec61850 (pyiec61850-ng, low-level API) as a GOOSE publisher for gridhil's tests.

usage: python goose_publisher.py IFACE STATES

Publishes STATES states of one control block (gocbRef GRIDHILTEST/LLN0$GO$gcb01, APPID 0x0101,
dataset: boolean, quality, {Dbpos, UtcTime}, float32, int32, unsigned32, float64), each sent
once and repeated after 2, 4 and 8 ms (libiec61850 sends one frame per call: the curve is
ours to drive), one state every 50 ms. Prints one JSON line per frame sent:
{"st": stNum, "sq": sqNum, "values": [...]} with the values as gridhil's subscriber
signals should show them (quality in the sampled-values bit layout, Dbpos 0-3, UtcTime in
ns).
"""
import json
import sys
import time

import pyiec61850.pyiec61850 as L

GOCB = "GRIDHILTEST/LLN0$GO$gcb01"
DATASET = "GRIDHILTEST/LLN0$DS1"


def state(k):
    """The values of state k: (MmsValues to publish, what gridhil should decode)."""
    trip = k % 2 == 1
    invalid = k == 3
    dbpos = 2 if trip else 1  # on / off
    t_ms = 1_700_000_000_000 + 1000 * k
    current = 100.5 * k
    count = -1000 * k
    n = 70_000 * k
    f64 = 1e6 / 3 * k

    q = L.MmsValue_newBitString(13)
    if invalid:
        L.MmsValue_setBitStringBit(q, 1, True)  # validity "01" = invalid
    pos = L.MmsValue_newBitString(2)
    L.MmsValue_setBitStringBit(pos, 0, dbpos & 2 != 0)
    L.MmsValue_setBitStringBit(pos, 1, dbpos & 1 != 0)
    st = L.MmsValue_createEmptyStructure(2)
    L.MmsValue_setElement(st, 0, pos)
    L.MmsValue_setElement(st, 1, L.MmsValue_newUtcTimeByMsTime(t_ms))
    mms = [
        L.MmsValue_newBoolean(trip),
        q,
        st,
        L.MmsValue_newFloat(current),
        L.MmsValue_newIntegerFromInt32(count),
        L.MmsValue_newUnsignedFromUint32(n),
        L.MmsValue_newDouble(f64),
    ]
    expected = [int(trip), 1 if invalid else 0, dbpos, t_ms * 1_000_000, current, count, n, f64]
    return mms, expected


def main():
    iface, states = sys.argv[1], int(sys.argv[2])
    cp = L.CommParameters()
    cp.appId = 0x0101
    cp.vlanId = 0
    cp.vlanPriority = 4
    L.CommParameters_setDstAddress(cp, 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01)
    pub = L.GoosePublisher_create(cp, iface)
    if not pub:
        sys.exit("GoosePublisher_create failed (needs CAP_NET_RAW and an interface that is up)")
    L.GoosePublisher_setGoCbRef(pub, GOCB)
    L.GoosePublisher_setDataSetRef(pub, DATASET)
    L.GoosePublisher_setGoID(pub, "GRIDHILTEST")
    L.GoosePublisher_setConfRev(pub, 1)
    L.GoosePublisher_setTimeAllowedToLive(pub, 500)
    for k in range(states):
        mms, expected = state(k)
        values = L.LinkedList_create()
        for v in mms:
            L.LinkedList_add(values, v)
        if k > 0:
            L.GoosePublisher_increaseStNum(pub)
        for sq, pause in enumerate([0.002, 0.004, 0.008, 0.036]):
            if L.GoosePublisher_publish(pub, values) != 0:
                sys.exit("GoosePublisher_publish failed")
            print(json.dumps({"st": k + 1, "sq": sq, "values": expected}), flush=True)
            time.sleep(pause)
        L.LinkedList_destroyDeep_MmsValueDelete(values)
    L.GoosePublisher_destroy(pub)


if __name__ == "__main__":
    main()
