"""pypmu's PMU server (TCP) with the IEEE sample configuration on 127.0.0.1:PORT for
SECONDS, sending one data frame every 20 ms with SOC/FRACSEC set explicitly.

Run by tests/pmu/pdc.rs (see tests/README.md)."""
import sys, os, time
import collections, collections.abc
collections.Sequence = collections.abc.Sequence  # pypmu 1.0.0a0 on Python >= 3.10
from synchrophasor.pmu import Pmu
pmu = Pmu(pmu_id=1410, data_rate=50, port=int(sys.argv[1]), ip="127.0.0.1")
pmu.logger.setLevel("ERROR")
pmu.set_configuration()      # the IEEE sample CFG-2: 4 int phasors, 3 float analogs, 1 word
pmu.set_header("pypmu for gridhil")
pmu.run()
t0 = int(time.time())
stop = time.time() + float(sys.argv[2])
k = 0
while time.time() < stop:
    frame = pmu.ieee_data_sample  # built against the IEEE sample CFG-2
    # pypmu computes FRACSEC wrongly by itself (and set_time(soc, 0) takes 0 as "not
    # given"): set SOC and FRACSEC explicitly.
    frame.set_soc(t0 + k // 50)
    frame.set_frasec((k % 50) * 20000)
    pmu.send(frame.convert2bytes())
    k += 1
    time.sleep(0.02)
# Each client is served by a forked process that also holds the listening socket.
for client in pmu.clients:
    client.terminate()
    client.join()
pmu.socket.close()
os._exit(0)
