#!/usr/bin/env python3
"""Independent evaluation of a scenario's assertions (numpy, h5py, tomllib).

Reads the scenario file and the run log gridhil wrote for it, computes every assertion's
measured value and verdict with numpy, as docs/scenarios.md defines them, and prints them
as JSON: {"<assertion name>": {"measured": x, "passed": bool}}. It shares no code with
gridhil: the test compares the two.

    expected.py SCENARIO.toml RUN.h5
"""
import json
import sys
import tomllib

import h5py
import numpy as np

UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


def seconds(text):
    text = text.strip()
    for unit in sorted(UNITS, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * UNITS[unit]
    raise ValueError(text)


def load_log(path):
    f = h5py.File(path, "r")
    paths = {}
    origin = None
    for name, group in f["paths"].items():
        ts = group["ts_origin"][:]
        if len(ts) and (origin is None or ts[0] < origin):
            origin = ts[0]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in group["values"].attrs["signals"]]
        paths[name] = (ts, names, group["values"][:], dict(group.attrs))
    nodes = {name: dict(group.attrs) for name, group in f["nodes"].items()}
    return paths, nodes, origin


def series(paths, origin, name, path=None):
    hits = [(p, d) for p, d in paths.items() if (path is None or p == path) and name in d[1]]
    assert len(hits) == 1, f"{name}: {len(hits)} paths"
    ts, names, values, _ = hits[0][1]
    return (ts - origin) * 1e-9, values[:, names.index(name)]


def cut(t, v, a, b):
    keep = (t >= a) & (t <= b)
    return t[keep], v[keep]


def curve_at(points, x):
    pts = np.array(points, dtype=float)
    xs, ys = pts[:, 0], pts[:, 1]
    out = np.full(len(x), np.nan)
    for k, s in enumerate(x):
        if s < xs[0]:
            continue
        i = np.searchsorted(xs, s, side="right") - 1
        if i + 1 < len(xs) and xs[i + 1] > xs[i]:
            out[k] = ys[i] + (ys[i + 1] - ys[i]) * (s - xs[i]) / (xs[i + 1] - xs[i])
        else:
            out[k] = ys[i]
    return out


def evaluate(a, paths, nodes, origin, run_end):
    kind = a["kind"]
    if kind == "no-problems":
        allow = set(a.get("allow", []))
        total = 0
        for p, (_, _, _, attrs) in paths.items():
            for c in ("queue_dropped", "hook_dropped", "pool_exhausted", "overruns", "write_errors", "log_dropped"):
                if c not in allow and attrs.get(c, 0) > 0:
                    total += int(attrs[c])
        for n, attrs in nodes.items():
            for c in ("setpoints_rejected", "late_steps", "read_errors", "pool_exhausted"):
                if c not in allow and attrs.get(c, 0) > 0:
                    total += int(attrs[c])
        return float(total), total == 0
    a0, a1 = (seconds(w) for w in a["window"]) if "window" in a else (0.0, run_end)
    base = a.get("base", 1.0)
    t, v = series(paths, origin, a["signal"], a.get("path"))
    t, v = cut(t, v / base, a0, a1)
    if kind == "band":
        lo, hi = a.get("min", -np.inf), a.get("max", np.inf)
        i = int(np.argmin(np.minimum(v - lo, hi - v)))
        return v[i], bool(np.all((v >= lo) & (v <= hi)))
    if kind == "settle":
        out = ~((v >= a["min"]) & (v <= a["max"]))
        if out[-1]:
            return np.inf, False
        idx = np.flatnonzero(out)
        settled = t[idx[-1] + 1] if len(idx) else t[0]
        took = settled - a0
        return took, took <= seconds(a["within"])
    if kind == "step":
        initial, target, band = a.get("initial", v[0]), a["target"], a.get("band", 0.02)
        p = (v - initial) / (target - initial)
        rise = t[np.argmax(p >= 0.9)] - t[np.argmax(p >= 0.1)] if (p >= 0.9).any() else np.inf
        overshoot = max(0.0, (p.max() - 1.0) * 100.0)
        out = np.flatnonzero(np.abs(v - target) > band * abs(target - initial))
        settling = (t[out[-1] + 1] - a0) if len(out) and out[-1] + 1 < len(v) else (np.inf if len(out) else t[0] - a0)
        tail = max(len(v) // 10, 1)
        sse = abs(v[-tail:].mean() - target)
        checks = [
            (rise, seconds(a["rise_time"]) if "rise_time" in a else None),
            (overshoot, a.get("overshoot")),
            (settling, seconds(a["settling_time"]) if "settling_time" in a else None),
            (sse, a.get("steady_state_error")),
        ]
        for value, limit in checks:
            if limit is not None and value > limit:
                return value, False
        return settling, True
    if kind == "envelope":
        since = t - (seconds(a["origin"]) if "origin" in a else a0)
        margins = []
        if "lower" in a:
            margins.append(v - curve_at(a["lower"], since))
        if "upper" in a:
            margins.append(curve_at(a["upper"], since) - v)
        m = np.fmin.reduce(margins) if len(margins) > 1 else margins[0]
        i = int(np.nanargmin(m))
        return v[i], bool(m[i] >= 0)
    if kind == "nadir":
        return v.min(), bool(v.min() >= a["min"])
    if kind == "rocof":
        over = seconds(a.get("over", "0s"))
        rates = []
        for i in range(1, len(t)):
            j = min(np.searchsorted(t, t[i] - over, side="right") - 1, i - 1)
            if j >= 0:
                rates.append(abs((v[i] - v[j]) / (t[i] - t[j])))
        worst = max(rates)
        return worst, worst <= a["max"]
    if kind == "tracks":
        delay = seconds(a.get("delay", "0s"))
        rt, rv = series(paths, origin, a["reference"], a.get("reference_path"))
        rt, rv = cut(rt, rv / base, a0 - delay, a1)
        worst = 0.0
        for ti, vi in zip(t, v):
            end = np.searchsorted(rt, ti, side="right")
            if end == 0:
                continue
            begin = max(np.searchsorted(rt, ti - delay, side="right") - 1, 0)
            worst = max(worst, np.abs(vi - rv[begin:end]).min())
        return worst, worst <= a["tolerance"]
    if kind == "event":
        hit = np.flatnonzero(v <= a["below"]) if "below" in a else np.flatnonzero(v >= a["above"])
        if not len(hit):
            return np.inf, False
        return t[hit[0]], t[hit[0]] <= seconds(a["before"])
    raise ValueError(kind)


def main():
    scenario = tomllib.load(open(sys.argv[1], "rb"))
    paths, nodes, origin = load_log(sys.argv[2])
    run_end = seconds(scenario["scenario"]["duration"])
    out = {}
    for a in scenario.get("assert", []):
        measured, passed = evaluate(a, paths, nodes, origin, run_end)
        out[a["name"]] = {"measured": float(measured) if np.isfinite(measured) else None, "passed": bool(passed)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
