"""Checks the `guard` path of examples/villas-hooks.toml in a gridhil run log.

Usage: check_digest.py RUN.h5

Recomputes the `digest` hook's running FNV-1a 64 hash (offset basis 0xcbf29ce484222325,
prime 0x100000001b3, over the little-endian bytes of seq, ts_origin and each value's
IEEE-754 bits) from the logged rows and compares it with the logged `digest_hi` and
`digest_lo` of every row; checks `limit_value` (p within 0..6000), `skip_first` (nothing
in the first 20 ms) and `expr` (p = va·ia + vb·ib + vc·ic) on the way. Prints one line
per check; exits non-zero at the first mismatch.
"""

import struct
import sys

import h5py
import numpy as np

OFFSET = 0xCBF29CE484222325
PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def mix(h, word):
    for byte in struct.pack("<Q", word & MASK):
        h ^= byte
        h = (h * PRIME) & MASK
    return h


def main(file):
    p = h5py.File(file, "r")["paths"]["guard"]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in p["values"].attrs["signals"]]
    values = p["values"][:]
    seq, ts = p["seq"][:], p["ts_origin"][:]
    hi, lo = names.index("digest_hi"), names.index("digest_lo")
    hashed = [i for i, n in enumerate(names) if n not in ("digest_hi", "digest_lo")]
    h = OFFSET
    for row in range(len(seq)):
        h = mix(h, int(seq[row]))
        h = mix(h, int(ts[row]))
        for i in hashed:
            h = mix(h, struct.unpack("<Q", struct.pack("<d", values[row, i]))[0])
        got = (int(values[row, hi]) << 32) | int(values[row, lo])
        if got != h:
            sys.exit(f"digest: row {row}: logged {got:016x}, recomputed {h:016x}")
    print(f"ok digest: {len(seq)} rows, final {h:016x}")

    col = {n: values[:, i] for i, n in enumerate(names)}
    p_raw = col["va"] * col["ia"] + col["vb"] * col["ib"] + col["vc"] * col["ic"]
    want = np.clip(p_raw, 0.0, 6000.0)
    if not np.allclose(col["p"], want, rtol=1e-12, atol=1e-9):
        sys.exit("expr/limit_value: p differs from clip(va·ia + vb·ib + vc·ic, 0, 6000)")
    print(f"ok expr + limit_value: {len(want)} rows")
    start = int(p.file.attrs["started_at_ns"])
    if not 20_000_000 <= ts[0] - start < 20_200_000:
        sys.exit(f"skip_first: first row {(ts[0] - start) / 1e6} ms after the start, not 20 ms")
    print("ok skip_first")


if __name__ == "__main__":
    main(sys.argv[1])
