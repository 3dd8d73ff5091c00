"""Prints the row count of every dataset of one path of a run log, as h5py reads it.

Usage: path_rows.py LOG PATH

Opens the file in SWMR read mode (a run killed with SIGKILL leaves it marked as open for
writing), prints `DATASET ROWS` per line, and fails if the file or the path cannot be read.
"""

import sys

import h5py


def main() -> None:
    log, path = sys.argv[1], sys.argv[2]
    with h5py.File(log, "r", swmr=True) as f:
        group = f["paths"][path]
        for name in ("seq", "ts_origin", "ts_received", "ts_sent", "values"):
            print(name, group[name].shape[0])


if __name__ == "__main__":
    main()
