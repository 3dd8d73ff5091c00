"""Checks the measurement hooks' results in a gridhil run log against numpy.

Usage: check_measurements.py RUN.h5

Every hooked path of tests/hooks/measurements.toml is recomputed here from the raw
waveforms (path `raw`, matched by sequence number) or from the path's own time stamps,
with numpy, independently of gridhil's code. Prints one line per hook; exits non-zero
with the first mismatch (hook, row, got, expected).
"""

import sys

import h5py
import numpy as np


def path(f, name):
    p = f["paths"][name]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in p["values"].attrs["signals"]]
    return {
        "seq": p["seq"][:],
        "ts_origin": p["ts_origin"][:],
        "ts_received": p["ts_received"][:],
        "values": p["values"][:],
        "names": names,
    }


def column(p, name):
    return p["values"][:, p["names"].index(name)]


def check(label, got, want, rtol=1e-9, atol=1e-9):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        sys.exit(f"{label}: shape {got.shape} != {want.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        i = int(np.argmax(bad))
        sys.exit(f"{label}: row {i}: got {got.flat[i]!r}, numpy says {want.flat[i]!r} ({bad.sum()} rows differ)")
    print(f"ok {label}: {got.size} values")


def windowed_mean(x, n):
    """Mean over the last n values, missing ones (before the start) counted as 0."""
    c = np.concatenate([np.zeros(n), np.cumsum(x)])
    return (c[n:] - c[:-n]) / n


def main(file):
    f = h5py.File(file, "r")
    raw = path(f, "raw")
    by_seq = {s: i for i, s in enumerate(raw["seq"])}

    def raw_of(p, name):
        return column(raw, name)[[by_seq[s] for s in p["seq"]]]

    # rms: one cycle (200 samples) window, in place on va and ia.
    p = path(f, "rms")
    for name in ["va", "ia"]:
        x = raw_of(p, name)
        check(f"rms {name}", column(p, name), np.sqrt(windowed_mean(x * x, 200)))
    check("rms leaves h3 alone", column(p, "h3"), raw_of(p, "h3"), rtol=0, atol=0)
    x = raw_of(p, "va")[400:]
    check("rms va (closed form, 230 V)", column(p, "va")[400:], np.full(x.size, 230.0), rtol=1e-6)

    # power: two cycles (400 samples), per phase and total.
    p = path(f, "power")
    n = 400
    totals = np.zeros((len(p["seq"]), 3))
    for ph in "abc":
        u, i = raw_of(p, "v" + ph), raw_of(p, "i" + ph)
        P = windowed_mean(u * i, n)
        S = np.sqrt(windowed_mean(u * u, n)) * np.sqrt(windowed_mean(i * i, n))
        Q = np.sqrt(np.maximum(S * S - P * P, 0))
        pf = np.where(S > 0, P / np.where(S > 0, S, 1), 0)
        for q, want in [("active", P), ("reactive", Q), ("apparent", S), ("cos_phi", pf)]:
            check(f"power {q}_v{ph}", column(p, f"{q}_v{ph}"), want, rtol=1e-7, atol=1e-6)
        totals += np.stack([P, Q, S], axis=1)
    for k, q in enumerate(["active", "reactive", "apparent"]):
        check(f"power {q}_total", column(p, f"{q}_total"), totals[:, k], rtol=1e-7, atol=1e-6)
    phi = np.pi / 6
    check("power active_total (closed form)", column(p, "active_total")[n:], np.full(len(p["seq"]) - n, 3 * 2300 * np.cos(phi)), rtol=1e-6)
    check("power reactive_total (closed form)", column(p, "reactive_total")[n:], np.full(len(p["seq"]) - n, 3 * 2300 * np.sin(phi)), rtol=1e-5)

    # average (inserted first) and ma over 7 samples of ia.
    p = path(f, "average_ma")
    if p["names"][0] != "average":
        sys.exit(f"average: first signal is {p['names'][0]}")
    check("average", column(p, "average"), (raw_of(p, "va") + raw_of(p, "vb") + raw_of(p, "h3")) / 3)
    check("ma ia", column(p, "ia"), windowed_mean(raw_of(p, "ia"), 7))

    # dp: dynamic phasors of va + h3, harmonics 0, 1, 3, over a 200-sample cycle.
    p = path(f, "dp")
    x = raw_of(p, "va") + raw_of(p, "h3")
    N = 200
    m = np.arange(len(x))
    for h in [0, 1, 3]:
        prod = x * np.exp(-2j * np.pi * h * (m % N) / N)
        X = windowed_mean(prod.real, N) + 1j * windowed_mean(prod.imag, N)
        X *= 1 if h == 0 else 2
        check(f"dp h{h} re", column(p, f"va_h{h}.re"), X.real, atol=1e-7)
        check(f"dp h{h} im", column(p, f"va_h{h}.im"), X.imag, atol=1e-7)
    # Closed form once the window is full: |X1| = 325.27 V, |X3| = 20 V.
    check("dp |h1| (closed form)", np.hypot(column(p, "va_h1.re"), column(p, "va_h1.im"))[N:], np.full(len(x) - N, 325.2691193), rtol=1e-7)
    check("dp |h3| (closed form)", np.hypot(column(p, "va_h3.re"), column(p, "va_h3.im"))[N:], np.full(len(x) - N, 20.0), rtol=1e-7)

    # ebm: trapezoidal integral of va·ia + vb·ib over ts_origin.
    p = path(f, "ebm")
    power = raw_of(p, "va") * raw_of(p, "ia") + raw_of(p, "vb") * raw_of(p, "ib")
    t = (p["ts_origin"] - p["ts_origin"][0]) * 1e-9  # relative: epoch ns lose precision in f64
    energy = np.concatenate([[0.0], np.cumsum(np.diff(t) * (power[1:] + power[:-1]) / 2)])
    check("ebm energy", column(p, "energy"), energy, rtol=1e-9, atol=1e-6)

    # expr.
    p = path(f, "expr")
    va, vb, vc, ia, ib, ic = (raw_of(p, s) for s in ["va", "vb", "vc", "ia", "ib", "ic"])
    check("expr p", column(p, "p"), va * ia + vb * ib + vc * ic)
    x = np.minimum(np.maximum(np.arctan2(vb, va) ** 2, 0.5), 4) - np.hypot(ia, -ib) / np.sqrt(2) + (va > vb) * np.minimum(vc, 3)
    check("expr x", column(p, "x"), x)

    # jitter_calc: from the path's own time stamps.
    p = path(f, "jitter")
    d = (p["ts_received"] - p["ts_origin"]).astype(np.int64)
    if d.std() == 0:
        sys.exit("jitter: the link gave every sample the same delay; nothing is tested")
    j = np.zeros(len(d))
    for k in range(1, len(d)):
        j[k] = j[k - 1] + (abs(d[k] - d[k - 1]) * 1e-9 - j[k - 1]) / 16
    check("jitter_calc jitter", column(p, "jitter"), j, rtol=1e-9, atol=1e-15)
    ds = d * 1e-9
    means = np.array([ds[max(0, k - 15): k + 1].mean() for k in range(len(d))])
    var = np.array([ds[max(0, k - 15): k + 1].var(ddof=1) if k > 0 else 0 for k in range(len(d))])
    check("jitter_calc delay_mean", column(p, "delay_mean"), means, rtol=1e-9, atol=1e-12)
    check("jitter_calc delay_variance", column(p, "delay_variance"), var, rtol=1e-6, atol=1e-15)


if __name__ == "__main__":
    main(sys.argv[1])
