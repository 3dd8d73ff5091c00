"""Two run logs hold the same rows: every dataset of every path equal (values bit for bit,
NaN included). Prints one JSON object with the paths compared and their row counts, and
exits non-zero at the first difference.

Arguments: FILE_A FILE_B. Run by tests/runlog/ (see tests/README.md)."""
import json
import sys

import h5py
import numpy as np

a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert sorted(a["paths"]) == sorted(b["paths"]), (list(a["paths"]), list(b["paths"]))
rows = {}
for name in a["paths"]:
    for ds in ("seq", "ts_origin", "ts_received", "ts_sent", "values"):
        x, y = a["paths"][name][ds][()], b["paths"][name][ds][()]
        assert x.shape == y.shape, (name, ds, x.shape, y.shape)
        assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), (name, ds)
    rows[name] = int(a["paths"][name]["seq"].shape[0])
    filters = (a["paths"][name]["values"].compression, b["paths"][name]["values"].compression)
print(json.dumps({"rows": rows, "compression": filters}))
