#!/usr/bin/env python3
"""DPsim (EMT, three-phase) run of gridsim's switching test network.

Ideal 20 kV source -> R1-L1 line -> bus n2 -> R2-L2 load to ground (and a shunt
capacitor C at n2 when C > 0), a phase-a fault Rf to ground at n2 from T_ON to T_OFF,
50 us step, from rest (the start-up transient has decayed long before the fault). Used
by gridsim/tests/switching/dpsim.rs.

Usage: dpsim_fault.py R1 L1 R2 L2 RF C T_ON T_OFF STEPS
Prints CSV (after a header line "k,v2a,..."; DPsim prints its own lines before): k, v_n2 (a, b, c), i_l1 (a, b), i_l2 (a), the values after the k-th step
(time k*dt), in DPsim's own conventions: currents i_intf, which point the other way
from gridsim's (from the second terminal to the first). Exits with 3 when dpsimpy
cannot be imported.

DPsim accumulates its time in floating point (t += dt), so an event placed exactly on
a step boundary may land on either side of it; the events are placed half a step
before the instant, which makes DPsim solve the step ending at the instant with the
switched network (its convention: the sample at T already shows the new topology).
"""

import sys

try:
    import dpsimpy as d
    import numpy as np
except ImportError as e:  # pragma: no cover - depends on the environment
    print(f"dpsim not available: {e}", file=sys.stderr)
    sys.exit(3)

DT = 50e-6
FREQ = 50.0
V_LL = 20e3  # DPsim's VoltageSource V_ref is line-to-line RMS (peak phase = V_ref*sqrt(2/3))
OPEN = 1e12  # ohm: an open pole of DPsim's switch (1e9 would draw 1.6e-5 A: 3e-7 of the peak)


def main(argv):
    r1, l1, r2, l2, rf, c, t_on, t_off = (float(a) for a in argv[1:9])
    steps = int(argv[9])
    gnd = d.emt.SimNode.gnd
    nodes = {n: d.emt.SimNode(n, d.PhaseType.ABC) for n in ("n1", "na", "n2", "nb")}
    a = 2j * np.pi / 3
    vs = d.emt.ph3.VoltageSource("vs")
    vs.set_parameters(np.array([[V_LL], [V_LL * np.exp(-a)], [V_LL * np.exp(a)]]), FREQ)
    comps = {
        "r1": (d.emt.ph3.Resistor("r1"), np.eye(3) * r1, ("n1", "na")),
        "l1": (d.emt.ph3.Inductor("l1"), np.eye(3) * l1, ("na", "n2")),
        "r2": (d.emt.ph3.Resistor("r2"), np.eye(3) * r2, ("n2", "nb")),
        "l2": (d.emt.ph3.Inductor("l2"), np.eye(3) * l2, ("nb", None)),
    }
    if c > 0:
        comps["c"] = (d.emt.ph3.Capacitor("c"), np.eye(3) * c, ("n2", None))
    vs.connect([gnd, nodes["n1"]])
    for comp, value, (p, q) in comps.values():
        comp.set_parameters(value)
        comp.connect([nodes[p], nodes[q] if q else gnd])
    fault = d.emt.ph3.Switch("f")
    fault.set_parameters(np.eye(3) * OPEN, np.diag([rf, OPEN, OPEN]), False)
    fault.connect([nodes["n2"], gnd])
    system = d.SystemTopology(
        FREQ, list(nodes.values()), [vs, fault] + [c for c, _, _ in comps.values()]
    )
    sim = d.Simulation("gridsim_dpsim_fault", d.LogLevel.off)
    sim.set_system(system)
    sim.set_domain(d.Domain.EMT)
    sim.set_time_step(DT)
    sim.set_final_time((steps + 2) * DT)
    sim.add_event(d.event.SwitchEvent3Ph(t_on - DT / 2, fault, True))
    sim.add_event(d.event.SwitchEvent3Ph(t_off - DT / 2, fault, False))
    sim.start()
    v2 = sim.get_idobj_attr("n2", "v")
    i1 = sim.get_idobj_attr("l1", "i_intf")
    i2 = sim.get_idobj_attr("l2", "i_intf")
    out = ["k,v2a,v2b,v2c,i1a,i1b,i2a"]
    for k in range(1, steps + 1):
        sim.next()
        v = np.asarray(v2.get()).ravel()
        c1 = np.asarray(i1.get()).ravel()
        c2 = np.asarray(i2.get()).ravel()
        row = (v[0], v[1], v[2], c1[0], c1[1], c2[0])
        out.append(",".join([str(k)] + [repr(float(x)) for x in row]))
    sim.stop()
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
