"""pypmu's PDC reading a multi-PMU stream: CFG-2 with three PMU blocks, then data frames
with one measurement per block.

Run by tests/pmu/server_modes.rs (see tests/README.md)."""
import sys, json, time
import collections, collections.abc
collections.Sequence = collections.abc.Sequence  # pypmu 1.0.0a0 on Python >= 3.10
from synchrophasor.pdc import Pdc
from synchrophasor.frame import DataFrame
pdc = Pdc(pdc_id=10, pmu_ip="127.0.0.1", pmu_port=int(sys.argv[1]))
pdc.logger.setLevel("ERROR")
for attempt in range(100):
    try:
        pdc.run()
        break
    except Exception:
        time.sleep(0.1)
cfg = pdc.get_config("cfg2")
print(json.dumps({"cfg": [cfg.get_id_code(), cfg.get_num_pmu(), [s.strip() for s in cfg.get_station_name()],
      cfg.get_stream_id_code(), cfg.get_phasor_num(),
      [[n.strip() for n in names] for names in cfg.get_channel_names()]]}), flush=True)
pdc.start()
got = 0
while got < 10:
    f = pdc.get()
    if isinstance(f, DataFrame):
        got += 1
        m = f.get_measurements()["measurements"]
        print(json.dumps({"time": f.get_soc() + f.get_frasec()[0] / 1e6,
              "blocks": [[b["stream_id"], b["stat"], [p[0] for p in b["phasors"]], b["frequency"]] for b in m]}),
              flush=True)
pdc.quit()
