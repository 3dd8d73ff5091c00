"""libiec61850's subscriber (APPID 0x4000) on IFACE for SECONDS; prints `ready` once
listening, then one JSON list of [svID, smpCnt, confRev, [INT32 words...]].

Run by tests/sv/nodes.rs (see tests/README.md)."""
import sys, time, json
from pyiec61850.sv import SVSubscriber
iface, seconds = sys.argv[1], float(sys.argv[2])
got = []
sub = SVSubscriber(iface)
sub.set_app_id(0x4000)
sub.set_listener(lambda m: got.append([m.sv_id, m.smp_cnt, m.conf_rev, list(m.values)]))
sub.start()
print("ready", flush=True)
time.sleep(seconds)
sub.stop()
print(json.dumps(got), flush=True)
