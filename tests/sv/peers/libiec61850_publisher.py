"""libiec61850 (low-level API, as ../shared/peers/demo_sv_libiec61850.py) publishes N
9-2LE frames: svID TESTMU0101, APPID 0x4000, VLAN 4/0, smpSynch global, smpCnt k,
currents int(1000·sin) mA and voltages int(10000·sin) × 10 mV, quality 0.

Run by tests/sv/nodes.rs (see tests/README.md)."""
import sys, time, math
import pyiec61850.pyiec61850 as L
iface, n = sys.argv[1], int(sys.argv[2])
cp = L.CommParameters()
cp.appId = 0x4000; cp.vlanId = 0; cp.vlanPriority = 4
L.CommParameters_setDstAddress(cp, 0x01, 0x0C, 0xCD, 0x04, 0x00, 0x01)
pub = L.SVPublisher_create(cp, iface)
assert pub, "SVPublisher_create failed"
asdu = L.SVPublisher_addASDU(pub, "TESTMU0101", None, 1)
offs = [(L.SVPublisher_ASDU_addINT32(asdu), L.SVPublisher_ASDU_addQuality(asdu)) for _ in range(8)]
L.SVPublisher_ASDU_setSmpCntWrap(asdu, 4000)
L.SVPublisher_setupComplete(pub)
L.SVPublisher_ASDU_setSmpSynch(asdu, 2)
for k in range(n):
    th = 2 * math.pi * 50 * k / 4000.0
    vals = [int(1000 * math.sin(th + p)) for p in (0, -2.094, 2.094)] + [0] \
         + [int(10000 * math.sin(th + p)) for p in (0, -2.094, 2.094)] + [0]
    for (vo, qo), v in zip(offs, vals):
        L.SVPublisher_ASDU_setINT32(asdu, vo, v)
        L.SVPublisher_ASDU_setQuality(asdu, qo, 0)
    L.SVPublisher_ASDU_setSmpCnt(asdu, k % 4000)
    L.SVPublisher_publish(pub)
    time.sleep(0.00025)
L.SVPublisher_destroy(pub)
