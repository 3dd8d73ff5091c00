//! Construction of a [`Simulator`] from a [`NetworkModel`]: numbering of
//! unknowns, companion branches, element states, inputs and outputs.

use std::f64::consts::TAU;

use super::companion::{Branch, Companion};
use super::elements::*;
use super::factor_cache::FactorCache;
use super::lu::DenseLu;
use super::meter::{Pll, RmsWindow};
use super::outputs::Out;
use super::{init, BusMeter, InputState, SimOptions, Simulator, Start};
use crate::error::SimError;
use crate::model::{NetworkModel, Winding};

const PHASES: [&str; 3] = ["a", "b", "c"];

/// Largest number of unknowns the dense solver accepts (about 1000 buses).
pub(crate) const MAX_UNKNOWNS: usize = 3200;

/// Largest number of steps per nominal cycle (RMS window length).
const MAX_CYCLE_STEPS: usize = 100_000;

/// Collects branches, outputs and unknown names while building.
struct Builder {
    dt: f64,
    branches: Vec<Branch>,
    out_names: Vec<String>,
    outs: Vec<Out>,
}

impl Builder {
    fn branch(&mut self, b: Branch) -> usize {
        self.branches.push(b);
        self.branches.len() - 1
    }

    fn out(&mut self, name: String, out: Out) {
        self.out_names.push(name);
        self.outs.push(out);
    }

    fn rl(&self, r: f64, l: f64) -> Companion {
        Companion::new(r, l, None, self.dt)
    }
}

pub(super) fn build(model: &NetworkModel, opts: SimOptions) -> Result<Simulator, SimError> {
    if opts.step_ns <= 0 || opts.step_ns > 100_000_000 {
        return Err(SimError::Options(format!(
            "step_ns must be in 1..=100000000 (got {})",
            opts.step_ns
        )));
    }
    let dt = opts.step_ns as f64 * 1e-9;
    let omega0 = TAU * model.frequency;
    let cycle_steps = ((1.0 / model.frequency) / dt).round().max(1.0);
    if cycle_steps > MAX_CYCLE_STEPS as f64 {
        return Err(SimError::Options(format!(
            "step of {} ns is too small: one cycle would take {cycle_steps} steps (at most {MAX_CYCLE_STEPS})",
            opts.step_ns
        )));
    }
    let cycle_steps = cycle_steps as usize;
    let ideal = model.sources.iter().filter(|s| s.z.is_none()).count();
    let unknowns = 3 * (model.buses.len() + ideal);
    if unknowns > MAX_UNKNOWNS {
        return Err(SimError::Options(format!(
            "network too large for the dense solver: {unknowns} unknowns (at most {MAX_UNKNOWNS})"
        )));
    }
    let node = |bus: usize, k: usize| 3 * bus + k;
    let mut unknown_names = Vec::new();
    for b in &model.buses {
        for p in PHASES {
            unknown_names.push(format!("bus {} phase {p}", b.name));
        }
    }
    let mut bld = Builder {
        dt,
        branches: Vec::new(),
        out_names: Vec::new(),
        outs: Vec::new(),
    };
    for (bi, b) in model.buses.iter().enumerate() {
        for (k, p) in PHASES.iter().enumerate() {
            bld.out(format!("{}.v{p}", b.name), Out::Node(node(bi, k)));
        }
    }

    // Sources.
    let mut sources = Vec::new();
    for (si, s) in model.sources.iter().enumerate() {
        let mut slots = [Slot::Mna(0); 3];
        for (k, slot) in slots.iter_mut().enumerate() {
            *slot = match s.z {
                None => {
                    unknown_names.push(format!("source {} current phase {}", s.name, PHASES[k]));
                    Slot::Mna(unknown_names.len() - 1)
                }
                Some(z) => {
                    let comp = bld.rl(z.r, z.l);
                    Slot::Branch(bld.branch(Branch::between(None, Some(node(s.bus, k)), comp)))
                }
            };
        }
        for (k, p) in PHASES.iter().enumerate() {
            bld.out(format!("{}.i{p}", s.name), Out::SourceI(si, k));
        }
        bld.out(format!("{}.p", s.name), Out::SourceP(si));
        bld.out(format!("{}.q", s.name), Out::SourceQ(si));
        bld.out(format!("{}.freq", s.name), Out::SourceFreq(si));
        sources.push(SourceState {
            bus: s.bus,
            slots,
            v_ll: s.v_ll,
            phase_rad: s.phase_deg.to_radians(),
            freq: s.freq,
            theta: 0.0,
            swing: s.swing.map(|params| SwingState {
                params,
                dw: 0.0,
                pm: params.p_set / params.s_rated,
            }),
            e: [0.0; 3],
            i: [0.0; 3],
        });
    }

    for b in &model.branches {
        for (k, p) in PHASES.iter().enumerate() {
            let comp = Companion::new(b.r, b.l, b.c, dt);
            let idx = bld.branch(Branch::between(
                Some(node(b.from, k)),
                b.to.map(|t| node(t, k)),
                comp,
            ));
            bld.out(format!("{}.i{p}", b.name), Out::Branch(idx));
        }
    }

    for l in &model.lines {
        for (k, p) in PHASES.iter().enumerate() {
            let comp = bld.rl(l.r, l.l);
            let idx = bld.branch(Branch::between(
                Some(node(l.from, k)),
                Some(node(l.to, k)),
                comp,
            ));
            bld.out(format!("{}.i{p}", l.name), Out::Branch(idx));
            if l.c > 0.0 {
                for end in [l.from, l.to] {
                    let comp = Companion::new(0.0, 0.0, Some(l.c / 2.0), dt);
                    bld.branch(Branch::between(Some(node(end, k)), None, comp));
                }
            }
        }
    }

    let mut transformers = Vec::new();
    for (ti, t) in model.transformers.iter().enumerate() {
        let w = |wd: Winding, v: f64| {
            if wd == Winding::Delta {
                v
            } else {
                v / 3f64.sqrt()
            }
        };
        let (v_w1, v_w2) = (w(t.hv, t.v1), w(t.lv, t.v2));
        let z_base = v_w2 * v_w2 / (t.s_rated / 3.0);
        let comp = bld.rl(t.r_pu * z_base, t.x_pu * z_base / omega0);
        let mut br = [0; 3];
        let mut terminals = [[None; 4]; 3];
        for k in 0..3 {
            let hv = TransformerState::winding(3 * t.from, t.hv, t.clock, true, k);
            let lv = TransformerState::winding(3 * t.to, t.lv, t.clock, false, k);
            terminals[k] = [hv[0], hv[1], lv[0], lv[1]];
            br[k] = bld.branch(Branch {
                comp,
                active: true,
                ..Branch::default()
            });
        }
        let st = TransformerState {
            br,
            terminals,
            v_w1,
            v_w2,
            tap: t.tap,
        };
        st.apply(&mut bld.branches);
        transformers.push(st);
        for (k, p) in PHASES.iter().enumerate() {
            bld.out(
                format!("{}.i{p}", t.name),
                Out::TransformerI {
                    tr: ti,
                    lv: false,
                    phase: k,
                },
            );
        }
        for (k, p) in PHASES.iter().enumerate() {
            bld.out(
                format!("{}.i{p}2", t.name),
                Out::TransformerI {
                    tr: ti,
                    lv: true,
                    phase: k,
                },
            );
        }
    }

    let mut loads = Vec::new();
    for (li, l) in model.loads.iter().enumerate() {
        let mut br = [[0; 3]; 3];
        for (k, on) in l.phases.iter().enumerate() {
            if *on {
                for slot in br[k].iter_mut() {
                    *slot = bld.branch(Branch::between(
                        Some(node(l.bus, k)),
                        None,
                        Companion::default(),
                    ));
                }
                bld.out(format!("{}.i{}", l.name, PHASES[k]), Out::LoadI(li, k));
            }
        }
        bld.out(format!("{}.p", l.name), Out::LoadP(li));
        let st = LoadState {
            bus: l.bus,
            phases: l.phases,
            br,
            p: l.p,
            q: l.q,
            constant_power: l.constant_power,
            v_min: l.v_min,
            v_ph: model.buses[l.bus].v_ll / 3f64.sqrt(),
            k: [1.0; 3],
        };
        st.apply(&mut bld.branches, omega0, dt);
        loads.push(st);
    }

    let mut switches = Vec::new();
    for (si, s) in model.switches.iter().enumerate() {
        let r = if s.closed { s.r_closed } else { s.r_open };
        let mut br = [0; 3];
        for (k, p) in PHASES.iter().enumerate() {
            let comp = bld.rl(r, 0.0);
            br[k] = bld.branch(Branch::between(
                Some(node(s.from, k)),
                Some(node(s.to, k)),
                comp,
            ));
            bld.out(format!("{}.i{p}", s.name), Out::Branch(br[k]));
        }
        bld.out(format!("{}.closed", s.name), Out::SwitchClosed(si));
        switches.push(SwitchState {
            br,
            breaker: s.breaker,
            closed: [s.closed; 3],
            pending_open: [false; 3],
            r_closed: s.r_closed,
            r_open: s.r_open,
            last_i: [0.0; 3],
        });
    }

    let mut faults = Vec::new();
    for f in &model.faults {
        let mut br = [0; 3];
        for (k, on) in f.phases.iter().enumerate() {
            if *on {
                let mut b = Branch::between(Some(node(f.bus, k)), None, bld.rl(f.r, 0.0));
                b.active = f.on;
                br[k] = bld.branch(b);
                bld.out(format!("{}.i{}", f.name, PHASES[k]), Out::Branch(br[k]));
            }
        }
        faults.push(FaultState {
            phases: f.phases,
            br,
            r: f.r,
            on: f.on,
        });
    }

    let mut inverters = Vec::new();
    for (ii, inv) in model.inverters.iter().enumerate() {
        let v_ll = model.buses[inv.bus].v_ll;
        let v_peak = v_ll * (2.0f64 / 3.0).sqrt();
        let mut br = [0; 3];
        for (k, p) in PHASES.iter().enumerate() {
            let comp = bld.rl(inv.r, inv.l);
            br[k] = bld.branch(Branch::between(None, Some(node(inv.bus, k)), comp));
            bld.out(format!("{}.i{p}", inv.name), Out::Branch(br[k]));
        }
        bld.out(format!("{}.p", inv.name), Out::InverterP(ii));
        bld.out(format!("{}.q", inv.name), Out::InverterQ(ii));
        bld.out(format!("{}.freq", inv.name), Out::InverterFreq(ii));
        let ac = TAU * inv.current_bandwidth;
        inverters.push(InverterState {
            bus: inv.bus,
            br,
            l: inv.l,
            r: inv.r,
            p_ref: inv.p_ref,
            q_ref: inv.q_ref,
            pll: Pll::new(omega0, inv.pll_bandwidth, 0.01, dt, 0.1 * v_peak, !inv.pll),
            kp: ac * inv.l,
            ki: ac * inv.r + ac * ac * inv.l / 5.0,
            integ: [0.0; 2],
            i_limit: inv.i_max * inv.s_rated / (1.5 * v_peak),
            v_peak,
        });
    }

    // Bus measurements (after element outputs: RMS and frequency estimates).
    let mut meters = Vec::new();
    for (bi, b) in model.buses.iter().enumerate() {
        let needs_rms = b.rms || loads.iter().any(|l| l.bus == bi && l.constant_power);
        let v_peak = b.v_ll * (2.0f64 / 3.0).sqrt();
        meters.push(BusMeter {
            rms: needs_rms.then(|| {
                [
                    RmsWindow::new(cycle_steps),
                    RmsWindow::new(cycle_steps),
                    RmsWindow::new(cycle_steps),
                ]
            }),
            pll: b
                .freq
                .then(|| Pll::new(omega0, 10.0, 0.005, dt, 0.05 * v_peak, false)),
        });
        if b.rms {
            for (k, p) in PHASES.iter().enumerate() {
                bld.out(format!("{}.vrms_{p}", b.name), Out::Rms(bi, k));
            }
        }
        if b.freq {
            bld.out(format!("{}.freq", b.name), Out::BusFreq(bi));
        }
    }

    let inputs: Vec<InputState> = model
        .inputs
        .iter()
        .map(|spec| InputState {
            target: spec.target,
            unit: spec.unit,
            value: spec.initial,
            changed: false,
            requested_ns: 0,
            ramp: None,
        })
        .collect();
    let mut events = Vec::with_capacity(model.events.len() + opts.event_capacity);
    events.extend_from_slice(&model.events);

    let n = unknown_names.len();
    let mut sim = Simulator {
        dt,
        step_ns: opts.step_ns,
        time_ns: 0,
        omega0,
        cycle_steps,
        step_count: 0,
        lu: DenseLu::new(n),
        rhs: vec![0.0; n],
        x: vec![0.0; n],
        unknown_names,
        branches: bld.branches,
        sources,
        inverters,
        loads,
        switches,
        faults,
        transformers,
        meters,
        input_names: model.inputs.iter().map(|s| s.name.clone()).collect(),
        inputs,
        events,
        next_event: 0,
        output_names: bld.out_names,
        outputs: vec![0.0; bld.outs.len()],
        outs: bld.outs,
        dirty: true,
        factorisations: 0,
        factor_cache: FactorCache::new(n, opts.factor_cache),
        damping_pending: false,
        damped_unknown: vec![false; n],
        uf_parent: (0..n).collect(),
        saved_x: vec![0.0; n],
        saved_integ: Vec::new(),
        kept_integ: Vec::new(),
        mid_branches: Vec::new(),
        mid_x: vec![0.0; n],
        kept_x: vec![0.0; n],
        switchings: super::switching::SwitchingLog::with_room(
            model.events.len() + opts.event_capacity,
        ),
    };
    for b in &mut sim.branches {
        b.switched = false;
    }
    sim.mid_branches = sim.branches.clone();
    sim.saved_integ = sim.inverters.iter().map(|i| i.integ).collect();
    sim.kept_integ = sim.saved_integ.clone();
    sim.refactor()?;
    sim.lu.prepare_sparse(2);
    sim.factor_cache.reserve_like(&sim.lu);
    sim.factor_cache.refresh_latest(&sim.lu);
    if opts.start == Start::SteadyState && init::applicable(&sim) {
        init::steady_state(&mut sim)?;
    }
    sim.fill_outputs();
    Ok(sim)
}
