"""A pypmu PMU server (TCP) with the IEEE sample configuration, sending frame k at
wall time T0 + k × 20 ms stamped T0 + k × 20 ms, until END (both Unix seconds), so
that two such PMUs send the same time stamp at about the same time. With SKIP = 1,
frames with k % 10 == 5 are not sent.
Arguments: PORT IDCODE T0 END SKIP.

Run by tests/pmu/pdc_modes.rs (see tests/README.md)."""
import sys, os, time
import collections, collections.abc
collections.Sequence = collections.abc.Sequence  # pypmu 1.0.0a0 on Python >= 3.10
from synchrophasor.pmu import Pmu
port, idcode, t0, end, skip = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1"
pmu = Pmu(pmu_id=idcode, data_rate=50, port=port, ip="127.0.0.1")
pmu.logger.setLevel("ERROR")
pmu.set_configuration()
pmu.set_header("pypmu for gridhil")
pmu.run()
k = max(0, int((time.time() - t0) / 0.02) + 1)
while t0 + k * 0.02 < end:
    delay = t0 + k * 0.02 - time.time()
    if delay > 0:
        time.sleep(delay)
    if not (skip and k % 10 == 5):
        frame = pmu.ieee_data_sample
        frame.set_soc(t0 + k // 50)
        frame.set_frasec((k % 50) * 20000)
        pmu.send(frame.convert2bytes())
    k += 1
for client in pmu.clients:
    client.terminate()
    client.join()
pmu.socket.close()
os._exit(0)
