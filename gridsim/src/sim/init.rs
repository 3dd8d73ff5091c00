//! Steady-state initialisation: a phasor solve of the network at the
//! nominal frequency, in the discrete trapezoidal steady state (reactances
//! with `tan(ωΔt/2)` instead of `ωΔt/2`), so that stepping from t = 0
//! continues a periodic solution instead of energising from rest.
//!
//! The complex nodal equations `(G + jB)(Vr + jVi) = Jr + jJi` are solved
//! as the real system `[[G, −B], [B, G]]·[Vr; Vi] = [Jr; Ji]` with the same
//! dense LU as the time-domain solver. Inverters inject their set-point
//! current and constant-power loads their compensation current; both
//! depend on the voltage, so the solve is repeated a few times.

use std::f64::consts::TAU;

use super::elements::Slot;
use super::lu::DenseLu;
use super::Simulator;
use crate::error::SimError;

/// Fixed-point iterations for inverters and constant-power loads.
const ITERATIONS: usize = 12;

/// Complex number as (re, im).
type Cx = (f64, f64);

fn mul(a: Cx, b: Cx) -> Cx {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

fn inv(a: Cx) -> Cx {
    let d = a.0 * a.0 + a.1 * a.1;
    if d > 0.0 {
        (a.0 / d, -a.1 / d)
    } else {
        (0.0, 0.0)
    }
}

fn conj(a: Cx) -> Cx {
    (a.0, -a.1)
}

fn polar(m: f64, a: f64) -> Cx {
    (m * a.cos(), m * a.sin())
}

/// Whether the network can be initialised in steady state: every source
/// runs at the nominal frequency.
pub(super) fn applicable(sim: &Simulator) -> bool {
    let f0 = sim.omega0 / TAU;
    sim.sources
        .iter()
        .all(|s| s.swing.is_some() || (s.freq - f0).abs() <= 1e-9 * f0)
}

/// Initialises all states to the steady state at t = 0.
pub(super) fn steady_state(sim: &mut Simulator) -> Result<(), SimError> {
    let n = sim.unknown_names.len();
    let dt = sim.dt;
    let w = sim.omega0;
    let tau = (w * dt / 2.0).tan();
    // Branch admittances; inverter filters are left out (the inverter is
    // a current injection here, its EMF follows from the solution).
    let mut y: Vec<Cx> = sim
        .branches
        .iter()
        .map(|b| {
            if b.active {
                inv(b.comp.impedance(tau))
            } else {
                (0.0, 0.0)
            }
        })
        .collect();
    for inv_state in &sim.inverters {
        for &b in &inv_state.br {
            if let Some(yb) = y.get_mut(b) {
                *yb = (0.0, 0.0);
            }
        }
    }
    // EMF phasors of the sources, per phase.
    let emf: Vec<[Cx; 3]> = sim
        .sources
        .iter()
        .map(|s| {
            let amp = s.v_ll * (2.0f64 / 3.0).sqrt();
            [0, 1, 2].map(|k| polar(amp, s.phase_rad - k as f64 * TAU / 3.0))
        })
        .collect();
    let mut drive = vec![(0.0, 0.0); sim.branches.len()];
    for (s, e) in sim.sources.iter().zip(&emf) {
        for (k, slot) in s.slots.iter().enumerate() {
            if let Slot::Branch(b) = *slot {
                drive[b] = e[k];
            }
        }
    }

    let mut lu = DenseLu::new(2 * n);
    for (b, yb) in sim.branches.iter().zip(&y) {
        for &(i, ci) in b.terms() {
            for &(j, cj) in b.terms() {
                let (g, bb) = (yb.0 * ci * cj, yb.1 * ci * cj);
                lu.add(i, j, g);
                lu.add(i, n + j, -bb);
                lu.add(n + i, j, bb);
                lu.add(n + i, n + j, g);
            }
        }
    }
    for s in &sim.sources {
        for (k, slot) in s.slots.iter().enumerate() {
            if let Slot::Mna(row) = *slot {
                let node = s.bus_node(k);
                for part in [0, n] {
                    lu.add(part + node, part + row, -1.0);
                    lu.add(part + row, part + node, 1.0);
                }
            }
        }
    }
    lu.factor().map_err(|col| SimError::Singular {
        unknown: sim
            .unknown_names
            .get(col % n.max(1))
            .cloned()
            .unwrap_or_default(),
    })?;

    let mut v: Vec<Cx> = vec![(0.0, 0.0); n];
    let mut inv_i = vec![[(0.0, 0.0); 3]; sim.inverters.len()];
    let mut rhs = vec![0.0; 2 * n];
    let mut sol = vec![0.0; 2 * n];
    for iteration in 0..ITERATIONS {
        rhs.fill(0.0);
        for ((b, yb), d) in sim.branches.iter().zip(&y).zip(&drive) {
            let j = mul(*yb, *d);
            for &(i, c) in b.terms() {
                rhs[i] -= c * j.0;
                rhs[n + i] -= c * j.1;
            }
        }
        for (s, e) in sim.sources.iter().zip(&emf) {
            for (k, slot) in s.slots.iter().enumerate() {
                if let Slot::Mna(row) = *slot {
                    rhs[row] = e[k].0;
                    rhs[n + row] = e[k].1;
                }
            }
        }
        if iteration > 0 {
            // Inverter currents into the bus for the set-points at the
            // present voltage: I = 2·conj(S/3)/conj(V) per phase (peak).
            for (inv_state, cur) in sim.inverters.iter().zip(inv_i.iter_mut()) {
                let s3 = (inv_state.p_ref / 3.0, inv_state.q_ref / 3.0);
                for (k, cur_k) in cur.iter_mut().enumerate() {
                    let node = 3 * inv_state.bus + k;
                    let vk = v[node];
                    let floor = 0.3 * inv_state.v_peak;
                    let vk = if vk.0.hypot(vk.1) < floor {
                        polar(floor, vk.1.atan2(vk.0))
                    } else {
                        vk
                    };
                    let mut i = mul((2.0, 0.0), mul(conj(s3), inv(conj(vk))));
                    let mag = i.0.hypot(i.1);
                    if mag > inv_state.i_limit {
                        i = (i.0 * inv_state.i_limit / mag, i.1 * inv_state.i_limit / mag);
                    }
                    *cur_k = i;
                    rhs[node] += i.0;
                    rhs[n + node] += i.1;
                }
            }
            // Constant-power compensation: extra (k − 1)·y·V leaves the node.
            for load in sim.loads.iter_mut().filter(|l| l.constant_power) {
                for k in 0..3 {
                    if !load.phases[k] {
                        continue;
                    }
                    let node = 3 * load.bus + k;
                    let vk = v[node];
                    let rms = vk.0.hypot(vk.1) / 2f64.sqrt();
                    let kk = (load.v_ph / rms.max(load.v_min * load.v_ph)).powi(2);
                    load.k[k] = kk;
                    for &b in &load.br[k] {
                        let yl = y.get(b).copied().unwrap_or((0.0, 0.0));
                        let extra = mul((kk - 1.0, 0.0), mul(yl, vk));
                        rhs[node] -= extra.0;
                        rhs[n + node] -= extra.1;
                    }
                }
            }
        }
        lu.solve(&rhs, &mut sol);
        for (k, vk) in v.iter_mut().enumerate() {
            *vk = (sol[k], sol[n + k]);
        }
        if sim.inverters.is_empty() && !sim.loads.iter().any(|l| l.constant_power) {
            break;
        }
    }
    if !v.iter().all(|c| c.0.is_finite() && c.1.is_finite()) {
        return Err(SimError::Diverged { time_ns: 0 });
    }

    // States at t = 0.
    for (k, x) in sim.x.iter_mut().enumerate() {
        *x = v[k].0;
    }
    for (bi, b) in sim.branches.iter_mut().enumerate() {
        if !b.active {
            continue;
        }
        let mut u = drive[bi];
        for &(i, c) in b.terms() {
            u = (u.0 + c * v[i].0, u.1 + c * v[i].1);
        }
        let i = mul(y[bi], u);
        b.comp.set_phasor_state(i.0, i.1, tau);
    }
    for (inv_state, cur) in sim.inverters.iter_mut().zip(&inv_i) {
        for (k, &b) in inv_state.br.iter().enumerate() {
            if let Some(br) = sim.branches.get_mut(b) {
                br.comp.set_phasor_state(cur[k].0, cur[k].1, tau);
            }
        }
        let va = v[3 * inv_state.bus];
        inv_state.pll.lock(va.1.atan2(va.0));
    }
    for (s, e) in sim.sources.iter_mut().zip(&emf) {
        s.theta = 0.0;
        s.e = e.map(|c| c.0);
        for (k, slot) in s.slots.iter().enumerate() {
            s.i[k] = match *slot {
                Slot::Mna(row) => v[row].0,
                Slot::Branch(b) => sim.branches.get(b).map_or(0.0, |br| br.comp.i),
            };
        }
    }
    for (bus, m) in sim.meters.iter_mut().enumerate() {
        let phasors = [v[3 * bus], v[3 * bus + 1], v[3 * bus + 2]];
        if let Some(rms) = m.rms.as_mut() {
            for (win, p) in rms.iter_mut().zip(phasors) {
                let len = win.len();
                win.prefill((0..len).map(|j| {
                    let t = -((len - 1 - j) as f64) * dt;
                    p.0 * (w * t).cos() - p.1 * (w * t).sin()
                }));
            }
        }
        if let Some(pll) = m.pll.as_mut() {
            pll.lock(phasors[0].1.atan2(phasors[0].0));
        }
    }
    Ok(())
}
