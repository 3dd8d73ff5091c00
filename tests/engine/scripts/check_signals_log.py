"""An independent reader of the signal example's run log (h5py, numpy): 10 000 rows of 8
values, consecutive sequence numbers, signal names, the 50 Hz sine of `va`, the version
attribute. Argument: the run log. Run by tests/engine/signals_run.rs."""
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["paths/signals"]
seq = g["seq"][:]
vals = g["values"][:]
assert vals.shape == (10000, 8), vals.shape
assert (np.diff(seq) == 1).all()
names = [s.decode() if isinstance(s, bytes) else s for s in g["values"].attrs["signals"]]
assert names[0] == "va", names
t = seq / 10000.0
assert np.allclose(vals[:, 0], 325.27 * np.sin(2 * np.pi * 50 * t), atol=1e-6)
assert "gridhil_version" in f.attrs
print("h5py ok", len(seq))
