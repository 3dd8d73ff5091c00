"""An independent reader of a gridhil run log (h5py, numpy), as a lab would read one after a
crash: opened in SWMR-read mode (which also opens a file whose writer was killed), every path
checked: each dataset's row count, the sequence numbers consecutive from 0, time stamps
rising, and for the signal example's `signals` path the 50 Hz sine of `va`
(325.27 sin(2π·50·seq/10 kHz)). Also says whether the file opens without SWMR mode (it does
once the run has closed it). Prints one JSON object.

Arguments: FILE. Run by tests/runlog/ (see tests/README.md)."""
import json
import sys

import h5py
import numpy as np

path = sys.argv[1]
result = {"paths": {}}
try:
    with h5py.File(path, "r"):
        result["plain_open"] = True
except OSError as e:
    result["plain_open"] = False
    result["plain_error"] = str(e)

with h5py.File(path, "r", swmr=True) as f:
    result["attrs"] = sorted(f.attrs.keys())
    for name, group in f["paths"].items():
        lengths = {k: int(group[k].shape[0]) for k in ("seq", "ts_origin", "ts_received", "ts_sent", "values")}
        rows = min(lengths.values())
        seq = group["seq"][:rows]
        origin = group["ts_origin"][:rows]
        entry = {
            "lengths": lengths,
            "rows": rows,
            "seq_consecutive": bool(rows == 0 or (seq == np.arange(rows)).all()),
            "origin_rising": bool(rows < 2 or (np.diff(origin) > 0).all()),
        }
        if name == "signals" and rows > 0:
            va = group["values"][:rows, 0]
            expected = 325.27 * np.sin(2 * np.pi * 50 * seq / 10000.0)
            entry["va_max_error"] = float(np.max(np.abs(va - expected)))
        result["paths"][name] = entry
print(json.dumps(result))
