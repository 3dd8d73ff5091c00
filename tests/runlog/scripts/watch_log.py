"""Watches a run log while gridhil writes it, as a lab would with h5py's SWMR-read mode:
opens FILE with swmr=True, reads the row count of path PATH, waits, refreshes, and reads it
again, several times. Prints one JSON list of the counts seen.

Arguments: FILE PATH. Run by tests/runlog/ (see tests/README.md)."""
import json
import sys
import time

import h5py

path, name = sys.argv[1], sys.argv[2]
counts = []
with h5py.File(path, "r", swmr=True) as f:
    seq = f["paths"][name]["seq"]
    for _ in range(6):
        seq.refresh()
        counts.append(int(seq.shape[0]))
        time.sleep(0.3)
print(json.dumps(counts))
