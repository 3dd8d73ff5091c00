"""pypmu's PDC (synchrophasor 1.0.0a0, a third-party implementation) reads a PMU server
on 127.0.0.1:PORT: prints its CFG-2 and N data frames as JSON.

Run by tests/pmu/server.rs (see tests/README.md)."""
import sys, json, time
import collections, collections.abc
collections.Sequence = collections.abc.Sequence  # pypmu 1.0.0a0 on Python >= 3.10
from synchrophasor.pdc import Pdc
from synchrophasor.frame import DataFrame
pdc = Pdc(pdc_id=1, pmu_ip="127.0.0.1", pmu_port=int(sys.argv[1]))
pdc.logger.setLevel("ERROR")
for attempt in range(100):
    try:
        pdc.run()
        break
    except Exception:
        time.sleep(0.1)
cfg = pdc.get_config("cfg2")
print(json.dumps({"cfg": [cfg.get_id_code(), cfg.get_station_name().strip(), cfg.get_phasor_num(),
      [n.strip() for n in cfg.get_channel_names()], cfg.get_fnom(), cfg.get_data_rate()]}), flush=True)
pdc.start()
got = 0
while got < 25:
    f = pdc.get()
    if isinstance(f, DataFrame):
        got += 1
        m = f.get_measurements()["measurements"][0]
        print(json.dumps({"soc": f.get_soc(), "frasec": f.get_frasec()[0], "stat": m["stat"],
              "phasors": m["phasors"], "freq": m["frequency"]}), flush=True)
pdc.quit()
