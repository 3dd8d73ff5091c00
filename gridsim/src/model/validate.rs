//! Conversion of the raw file structures into a checked [`NetworkModel`].

use std::collections::BTreeMap;

use super::schema::*;
use super::units::{convert, Quantity, Unit};
use super::*;
use crate::event::EventAction;

/// Reserved bus name for the ground (neutral) reference.
const GROUND: &str = "ground";

/// Error context: the file and the current table.
struct Ctx<'a> {
    file: &'a str,
    table: String,
}

impl Ctx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> ModelError {
        ModelError::Field {
            file: self.file.to_string(),
            table: self.table.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn q(&self, field: &str, q: &Quantity, unit: Unit) -> Result<f64, ModelError> {
        convert(q, unit).map_err(|m| self.err(field, m))
    }

    fn opt(
        &self,
        field: &str,
        q: &Option<Quantity>,
        unit: Unit,
        default: f64,
    ) -> Result<f64, ModelError> {
        match q {
            Some(q) => self.q(field, q, unit),
            None => Ok(default),
        }
    }

    fn nonneg(&self, field: &str, v: f64) -> Result<f64, ModelError> {
        if v < 0.0 {
            Err(self.err(field, format!("must not be negative (got {v})")))
        } else {
            Ok(v)
        }
    }

    fn positive(&self, field: &str, v: f64) -> Result<f64, ModelError> {
        if v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(field, format!("must be positive (got {v})")))
        }
    }
}

struct Validator<'a> {
    file: &'a str,
    bus_index: BTreeMap<String, usize>,
    names: BTreeMap<String, String>,
}

impl<'a> Validator<'a> {
    fn ctx(&self, kind: &str, name: &str) -> Ctx<'a> {
        Ctx {
            file: self.file,
            table: format!("{kind}.{name}"),
        }
    }

    /// Registers an element name; names are unique across all kinds.
    fn claim(&mut self, kind: &str, name: &str) -> Result<(), ModelError> {
        let table = format!("{kind}.{name}");
        let valid = !name.is_empty()
            && name != GROUND
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(ModelError::Network {
                file: self.file.to_string(),
                message: format!(
                    "[{table}]: invalid name `{name}` (use letters, digits, `_` and `-`; `ground` is reserved)"
                ),
            });
        }
        if let Some(other) = self.names.insert(name.to_string(), table.clone()) {
            return Err(ModelError::Network {
                file: self.file.to_string(),
                message: format!("[{table}]: name `{name}` is already used by [{other}]"),
            });
        }
        Ok(())
    }

    fn bus(&self, ctx: &Ctx, field: &str, name: &str) -> Result<usize, ModelError> {
        self.bus_index.get(name).copied().ok_or_else(|| {
            ctx.err(
                field,
                format!("bus `{name}` is not defined (no [buses.{name}] table)"),
            )
        })
    }

    fn bus_or_ground(
        &self,
        ctx: &Ctx,
        field: &str,
        name: &str,
    ) -> Result<Option<usize>, ModelError> {
        if name == GROUND {
            Ok(None)
        } else {
            self.bus(ctx, field, name).map(Some)
        }
    }
}

fn phases(ctx: &Ctx, field: &str, text: &Option<String>) -> Result<[bool; 3], ModelError> {
    let Some(text) = text else {
        return Ok([true; 3]);
    };
    let mut set = [false; 3];
    for ch in text.chars() {
        let k = match ch {
            'a' | 'A' => 0,
            'b' | 'B' => 1,
            'c' | 'C' => 2,
            _ => return Err(ctx.err(field, format!("`{text}`: use a subset of \"abc\""))),
        };
        if set[k] {
            return Err(ctx.err(field, format!("`{text}`: phase `{ch}` repeated")));
        }
        set[k] = true;
    }
    if set == [false; 3] {
        return Err(ctx.err(field, "at least one phase is needed"));
    }
    Ok(set)
}

fn measures(ctx: &Ctx, list: &[String], rms: &mut bool, freq: &mut bool) -> Result<(), ModelError> {
    for m in list {
        match m.as_str() {
            "rms" => *rms = true,
            "freq" => *freq = true,
            other => {
                return Err(ctx.err(
                    "measure",
                    format!("unknown measurement `{other}` (use \"rms\" or \"freq\")"),
                ))
            }
        }
    }
    Ok(())
}

fn vector_group(ctx: &Ctx, text: &str) -> Result<(Winding, Winding, u8), ModelError> {
    let bad = || {
        ctx.err(
            "vector_group",
            format!("`{text}` is not supported (use Yy0, YNyn0, Dd0, Dyn1, Dyn11, YNd1, YNd11, Yd1, Yd11, ...)"),
        )
    };
    let split = text
        .char_indices()
        .find(|(_, c)| c.is_ascii_lowercase())
        .map(|(i, _)| i)
        .ok_or_else(bad)?;
    let digits = text
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .ok_or_else(bad)?;
    let hv = match text.get(..split).ok_or_else(bad)? {
        "Y" | "YN" => Winding::Wye,
        "D" => Winding::Delta,
        _ => return Err(bad()),
    };
    let lv = match text.get(split..digits).ok_or_else(bad)? {
        "y" | "yn" => Winding::Wye,
        "d" => Winding::Delta,
        _ => return Err(bad()),
    };
    let clock: u8 = text
        .get(digits..)
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    let ok = match (hv, lv) {
        (Winding::Wye, Winding::Wye) | (Winding::Delta, Winding::Delta) => clock == 0,
        _ => clock == 1 || clock == 11,
    };
    if ok {
        Ok((hv, lv, clock))
    } else {
        Err(bad())
    }
}

/// Validates a parsed file.
pub(super) fn validate(raw: RawModel, file: &str) -> Result<NetworkModel, ModelError> {
    let mut v = Validator {
        file,
        bus_index: BTreeMap::new(),
        names: BTreeMap::new(),
    };
    let sys = Ctx {
        file,
        table: "system".to_string(),
    };
    let frequency = sys.opt("frequency", &raw.system.frequency, Unit::Hertz, 50.0)?;
    if !(1.0..=1000.0).contains(&frequency) {
        return Err(sys.err(
            "frequency",
            format!("must be between 1 Hz and 1 kHz (got {frequency})"),
        ));
    }
    let omega = 2.0 * std::f64::consts::PI * frequency;
    let (mut all_rms, mut all_freq) = (false, false);
    measures(&sys, &raw.system.measure, &mut all_rms, &mut all_freq)?;

    let mut buses = Vec::new();
    for (name, b) in &raw.buses {
        v.claim("buses", name)?;
        let c = v.ctx("buses", name);
        let v_ll = c.positive("voltage", c.q("voltage", &b.voltage, Unit::Volt)?)?;
        let (mut rms, mut freq) = (all_rms, all_freq);
        measures(&c, &b.measure, &mut rms, &mut freq)?;
        v.bus_index.insert(name.clone(), buses.len());
        buses.push(Bus {
            name: name.clone(),
            v_ll,
            rms,
            freq,
        });
    }
    if buses.is_empty() {
        return Err(ModelError::Network {
            file: file.to_string(),
            message: "the model has no buses (add [buses.NAME] tables)".to_string(),
        });
    }

    let mut inputs = Vec::new();
    let mut input = |name: &str, what: &str, unit: Unit, target: InputTarget, initial: f64| {
        inputs.push(InputSpec {
            name: format!("{name}.{what}"),
            unit,
            target,
            initial,
        });
    };

    let mut sources = Vec::new();
    for (name, s) in &raw.sources {
        v.claim("sources", name)?;
        let c = v.ctx("sources", name);
        let bus = v.bus(&c, "bus", &s.bus)?;
        let v_ll = c.positive("voltage", c.q("voltage", &s.voltage, Unit::Volt)?)?;
        let phase_deg = c.opt("phase", &s.phase, Unit::Degree, 0.0)?;
        let freq = c.nonneg(
            "frequency",
            c.opt("frequency", &s.frequency, Unit::Hertz, frequency)?,
        )?;
        let z = match (&s.r, &s.l, &s.sc_power) {
            (None, None, None) => None,
            (_, _, None) => {
                let r = c.nonneg("r", c.opt("r", &s.r, Unit::Ohm, 0.0)?)?;
                let l = c.nonneg("l", c.opt("l", &s.l, Unit::Henry, 0.0)?)?;
                (r > 0.0 || l > 0.0).then_some(SeriesRl { r, l })
            }
            (None, None, Some(sc)) => {
                let sc = c.positive("sc_power", c.q("sc_power", sc, Unit::VoltAmpere)?)?;
                let xr = c.positive("x_r", c.opt("x_r", &s.x_r, Unit::Plain, 10.0)?)?;
                let zmag = v_ll * v_ll / sc;
                let r = zmag / (1.0 + xr * xr).sqrt();
                Some(SeriesRl {
                    r,
                    l: r * xr / omega,
                })
            }
            _ => {
                return Err(c.err(
                    "sc_power",
                    "give either `r`/`l` or `sc_power`/`x_r`, not both",
                ))
            }
        };
        if s.x_r.is_some() && s.sc_power.is_none() {
            return Err(c.err("x_r", "`x_r` needs `sc_power`"));
        }
        let index = sources.len();
        let swing = match &s.swing {
            None => None,
            Some(w) => {
                let s_rated = c.positive(
                    "swing.s_rated",
                    c.q("swing.s_rated", &w.s_rated, Unit::VoltAmpere)?,
                )?;
                let h = c.positive("swing.h", c.q("swing.h", &w.h, Unit::Second)?)?;
                let damping = c.nonneg(
                    "swing.damping",
                    c.opt("swing.damping", &w.damping, Unit::Plain, 0.0)?,
                )?;
                let droop = match &w.droop {
                    None => None,
                    Some(q) => {
                        Some(c.positive("swing.droop", c.q("swing.droop", q, Unit::Plain)?)?)
                    }
                };
                let governor_t = c.nonneg(
                    "swing.governor_t",
                    c.opt("swing.governor_t", &w.governor_t, Unit::Second, 0.0)?,
                )?;
                let p_set = c.q("swing.p_set", &w.p_set, Unit::Watt)?;
                Some(Swing {
                    s_rated,
                    h,
                    damping,
                    droop,
                    governor_t,
                    p_set,
                })
            }
        };
        input(
            name,
            "voltage",
            Unit::Volt,
            InputTarget::SourceVoltage(index),
            v_ll,
        );
        if let Some(w) = &swing {
            input(
                name,
                "p_set",
                Unit::Watt,
                InputTarget::SwingPower(index),
                w.p_set,
            );
        } else {
            input(
                name,
                "phase",
                Unit::Degree,
                InputTarget::SourcePhase(index),
                phase_deg,
            );
            input(
                name,
                "frequency",
                Unit::Hertz,
                InputTarget::SourceFrequency(index),
                freq,
            );
        }
        sources.push(Source {
            name: name.clone(),
            bus,
            v_ll,
            phase_deg,
            freq,
            z,
            swing,
        });
    }

    let mut branches = Vec::new();
    for (name, b) in &raw.branches {
        v.claim("branches", name)?;
        let c = v.ctx("branches", name);
        let from = v.bus(&c, "from", &b.from)?;
        let to = v.bus_or_ground(&c, "to", &b.to)?;
        if to == Some(from) {
            return Err(c.err("to", "a branch cannot connect a bus to itself"));
        }
        let r = c.nonneg("r", c.opt("r", &b.r, Unit::Ohm, 0.0)?)?;
        let l = c.nonneg("l", c.opt("l", &b.l, Unit::Henry, 0.0)?)?;
        let cap = match &b.c {
            None => None,
            Some(q) => Some(c.positive("c", c.q("c", q, Unit::Farad)?)?),
        };
        if r == 0.0 && l == 0.0 && cap.is_none() {
            return Err(c.err(
                "r",
                "a branch needs at least one of r, l, c (zero impedance is not allowed)",
            ));
        }
        branches.push(Branch {
            name: name.clone(),
            from,
            to,
            r,
            l,
            c: cap,
        });
    }

    let mut lines = Vec::new();
    for (name, l) in &raw.lines {
        v.claim("lines", name)?;
        let c = v.ctx("lines", name);
        let from = v.bus(&c, "from", &l.from)?;
        let to = v.bus(&c, "to", &l.to)?;
        if to == from {
            return Err(c.err("to", "a line cannot connect a bus to itself"));
        }
        let km = c.positive("length", c.q("length", &l.length, Unit::Metre)?)? / 1000.0;
        let r = c.nonneg("r_per_km", c.q("r_per_km", &l.r_per_km, Unit::Ohm)?)? * km;
        let ind = match (&l.x_per_km, &l.l_per_km) {
            (Some(x), None) => c.nonneg("x_per_km", c.q("x_per_km", x, Unit::Ohm)?)? / omega,
            (None, Some(h)) => c.nonneg("l_per_km", c.q("l_per_km", h, Unit::Henry)?)?,
            (None, None) => 0.0,
            (Some(_), Some(_)) => {
                return Err(c.err("x_per_km", "give either `x_per_km` or `l_per_km`, not both"))
            }
        } * km;
        let cap = c.nonneg(
            "c_per_km",
            c.opt("c_per_km", &l.c_per_km, Unit::Farad, 0.0)?,
        )? * km;
        if r == 0.0 && ind == 0.0 {
            return Err(c.err("r_per_km", "a line needs a non-zero series impedance"));
        }
        lines.push(Line {
            name: name.clone(),
            from,
            to,
            r,
            l: ind,
            c: cap,
        });
    }

    let mut transformers = Vec::new();
    for (name, t) in &raw.transformers {
        v.claim("transformers", name)?;
        let c = v.ctx("transformers", name);
        let from = v.bus(&c, "from", &t.from)?;
        let to = v.bus(&c, "to", &t.to)?;
        if to == from {
            return Err(c.err("to", "a transformer cannot connect a bus to itself"));
        }
        let (hv, lv, clock) = vector_group(&c, &t.vector_group)?;
        let s_rated = c.positive("s_rated", c.q("s_rated", &t.s_rated, Unit::VoltAmpere)?)?;
        let v1 = c.positive("v1", c.q("v1", &t.v1, Unit::Volt)?)?;
        let v2 = c.positive("v2", c.q("v2", &t.v2, Unit::Volt)?)?;
        let r_pu = c.nonneg("r", c.opt("r", &t.r, Unit::Plain, 0.0)?)?;
        let x_pu = c.positive("x", c.q("x", &t.x, Unit::Plain)?)?;
        let tap = c.positive("tap", c.opt("tap", &t.tap, Unit::Plain, 1.0)?)?;
        input(
            name,
            "tap",
            Unit::Plain,
            InputTarget::TransformerTap(transformers.len()),
            tap,
        );
        transformers.push(Transformer {
            name: name.clone(),
            from,
            to,
            hv,
            lv,
            clock,
            s_rated,
            v1,
            v2,
            r_pu,
            x_pu,
            tap,
        });
    }

    let mut loads = Vec::new();
    for (name, l) in &raw.loads {
        v.claim("loads", name)?;
        let c = v.ctx("loads", name);
        let bus = v.bus(&c, "bus", &l.bus)?;
        let p = c.nonneg("p", c.q("p", &l.p, Unit::Watt)?)?;
        let q = c.opt("q", &l.q, Unit::Var, 0.0)?;
        let constant_power = match l.model.as_deref() {
            None | Some("impedance") => false,
            Some("power") => true,
            Some(other) => {
                return Err(c.err(
                    "model",
                    format!("`{other}`: use \"impedance\" or \"power\""),
                ))
            }
        };
        let v_min = c.positive("v_min", c.opt("v_min", &l.v_min, Unit::Plain, 0.7)?)?;
        let index = loads.len();
        input(name, "p", Unit::Watt, InputTarget::LoadP(index), p);
        input(name, "q", Unit::Var, InputTarget::LoadQ(index), q);
        loads.push(Load {
            name: name.clone(),
            bus,
            p,
            q,
            constant_power,
            phases: phases(&c, "phases", &l.phases)?,
            v_min,
        });
    }

    let mut switches = Vec::new();
    for (name, s) in &raw.switches {
        v.claim("switches", name)?;
        let c = v.ctx("switches", name);
        let from = v.bus(&c, "from", &s.from)?;
        let to = v.bus(&c, "to", &s.to)?;
        if to == from {
            return Err(c.err("to", "a switch cannot connect a bus to itself"));
        }
        let breaker = match s.kind.as_deref() {
            None | Some("switch") => false,
            Some("breaker") => true,
            Some(other) => {
                return Err(c.err("kind", format!("`{other}`: use \"switch\" or \"breaker\"")))
            }
        };
        let closed = s.closed.unwrap_or(true);
        let r_closed = c.positive("r_closed", c.opt("r_closed", &s.r_closed, Unit::Ohm, 1e-3)?)?;
        let r_open = c.positive("r_open", c.opt("r_open", &s.r_open, Unit::Ohm, 1e6)?)?;
        if r_open <= r_closed {
            return Err(c.err("r_open", "must be larger than `r_closed`"));
        }
        input(
            name,
            "closed",
            Unit::Plain,
            InputTarget::SwitchClosed(switches.len()),
            f64::from(u8::from(closed)),
        );
        switches.push(Switch {
            name: name.clone(),
            from,
            to,
            breaker,
            closed,
            r_closed,
            r_open,
        });
    }

    let mut faults = Vec::new();
    for (name, f) in &raw.faults {
        v.claim("faults", name)?;
        let c = v.ctx("faults", name);
        let bus = v.bus(&c, "bus", &f.bus)?;
        let r = c.positive("r", c.opt("r", &f.r, Unit::Ohm, 1e-4)?)?;
        let on = f.on.unwrap_or(false);
        input(
            name,
            "on",
            Unit::Plain,
            InputTarget::FaultOn(faults.len()),
            f64::from(u8::from(on)),
        );
        faults.push(Fault {
            name: name.clone(),
            bus,
            phases: phases(&c, "phases", &f.phases)?,
            r,
            on,
        });
    }

    let mut inverters = Vec::new();
    for (name, i) in &raw.inverters {
        v.claim("inverters", name)?;
        let c = v.ctx("inverters", name);
        let bus = v.bus(&c, "bus", &i.bus)?;
        let s_rated = c.positive("s_rated", c.q("s_rated", &i.s_rated, Unit::VoltAmpere)?)?;
        let l = c.positive("l", c.q("l", &i.l, Unit::Henry)?)?;
        let r = c.nonneg("r", c.opt("r", &i.r, Unit::Ohm, 0.0)?)?;
        let p_ref = c.opt("p_ref", &i.p_ref, Unit::Watt, 0.0)?;
        let q_ref = c.opt("q_ref", &i.q_ref, Unit::Var, 0.0)?;
        let pll = match i.sync.as_deref() {
            None | Some("pll") => true,
            Some("ideal") => false,
            Some(other) => {
                return Err(c.err("sync", format!("`{other}`: use \"pll\" or \"ideal\"")))
            }
        };
        let i_max = c.positive("i_max", c.opt("i_max", &i.i_max, Unit::Plain, 1.1)?)?;
        let current_bandwidth = c.positive(
            "current_bandwidth",
            c.opt(
                "current_bandwidth",
                &i.current_bandwidth,
                Unit::Hertz,
                500.0,
            )?,
        )?;
        let pll_bandwidth = c.positive(
            "pll_bandwidth",
            c.opt("pll_bandwidth", &i.pll_bandwidth, Unit::Hertz, 20.0)?,
        )?;
        let index = inverters.len();
        input(
            name,
            "p_ref",
            Unit::Watt,
            InputTarget::InverterP(index),
            p_ref,
        );
        input(
            name,
            "q_ref",
            Unit::Var,
            InputTarget::InverterQ(index),
            q_ref,
        );
        inverters.push(Inverter {
            name: name.clone(),
            bus,
            s_rated,
            l,
            r,
            p_ref,
            q_ref,
            pll,
            i_max,
            current_bandwidth,
            pll_bandwidth,
        });
    }

    let mut events = Vec::new();
    for (k, e) in raw.events.iter().enumerate() {
        let c = Ctx {
            file,
            table: format!("events[{k}]"),
        };
        events.push(event(&c, e, &inputs)?);
    }
    events.sort_by_key(|e| e.time_ns);

    let model = NetworkModel {
        file: file.to_string(),
        frequency,
        buses,
        sources,
        branches,
        lines,
        transformers,
        loads,
        switches,
        faults,
        inverters,
        inputs,
        events,
    };
    check_connectivity(&model)?;
    Ok(model)
}

fn event(c: &Ctx, e: &RawEvent, inputs: &[InputSpec]) -> Result<Event, ModelError> {
    let at = c.nonneg("at", c.q("at", &e.at, Unit::Second)?)?;
    if at > 1e9 {
        return Err(c.err("at", "time too large"));
    }
    let time_ns = (at * 1e9).round() as i64;
    let actions = [
        ("open", &e.open),
        ("close", &e.close),
        ("fault_on", &e.fault_on),
        ("fault_off", &e.fault_off),
        ("set", &e.set),
        ("ramp", &e.ramp),
    ];
    let mut given = actions
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)));
    let (key, target) = given.next().ok_or_else(|| {
        c.err(
            "at",
            "an event needs one of open, close, fault_on, fault_off, set, ramp",
        )
    })?;
    if let Some((other, _)) = given.next() {
        return Err(c.err(
            other,
            format!("an event has exactly one action (`{key}` already given)"),
        ));
    }
    let find = |name: &str| {
        inputs
            .iter()
            .position(|i| i.name == name)
            .ok_or_else(|| c.err(key, format!("no input `{name}` in this model")))
    };
    let switch_input = |suffix: &str, what: &str| {
        let index = find(&format!("{target}.{suffix}"))
            .map_err(|_| c.err(key, format!("`{target}` is not a {what} of this model")))?;
        Ok::<usize, ModelError>(index)
    };
    let (input, action) = match key {
        "open" => (switch_input("closed", "switch")?, EventAction::Set(0.0)),
        "close" => (switch_input("closed", "switch")?, EventAction::Set(1.0)),
        "fault_on" => (switch_input("on", "fault")?, EventAction::Set(1.0)),
        "fault_off" => (switch_input("on", "fault")?, EventAction::Set(0.0)),
        "set" => {
            let index = find(target)?;
            let unit = inputs.get(index).map_or(Unit::Plain, |i| i.unit);
            let value = e
                .value
                .as_ref()
                .ok_or_else(|| c.err("value", "`set` needs `value`"))?;
            (index, EventAction::Set(c.q("value", value, unit)?))
        }
        _ => {
            let index = find(target)?;
            let spec = inputs.get(index).ok_or_else(|| c.err(key, "bad input"))?;
            if spec.target.changes_matrix() {
                return Err(c.err(
                    key,
                    format!(
                        "`{target}` changes the network matrix and cannot be ramped; use `set`"
                    ),
                ));
            }
            let to =
                e.to.as_ref()
                    .ok_or_else(|| c.err("to", "`ramp` needs `to`"))?;
            let to = c.q("to", to, spec.unit)?;
            let d = e
                .duration
                .as_ref()
                .ok_or_else(|| c.err("duration", "`ramp` needs `duration`"))?;
            let d = c.positive("duration", c.q("duration", d, Unit::Second)?)?;
            if d > 1e9 {
                return Err(c.err("duration", "duration too large"));
            }
            let duration_ns = ((d * 1e9).round() as i64).max(1);
            (index, EventAction::Ramp { to, duration_ns })
        }
    };
    let unused = match key {
        "set" => e.to.is_some() || e.duration.is_some(),
        "ramp" => e.value.is_some(),
        _ => e.value.is_some() || e.to.is_some() || e.duration.is_some(),
    };
    if unused {
        return Err(c.err(key, format!("fields not used by `{key}` are given")));
    }
    Ok(Event {
        time_ns,
        input,
        action,
    })
}

/// Union-find over all bus phase nodes plus ground (index `n`).
struct Components {
    parent: Vec<usize>,
}

impl Components {
    fn find(&mut self, mut x: usize) -> usize {
        while let Some(&p) = self.parent.get(x) {
            if p == x {
                break;
            }
            let gp = self.parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(x) {
                *slot = gp;
            }
            x = p;
        }
        x
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if let Some(slot) = self.parent.get_mut(ra) {
            *slot = rb;
        }
    }
}

/// Every bus phase must have a path to ground (or a source) through
/// elements; otherwise the nodal matrix is singular.
fn check_connectivity(m: &NetworkModel) -> Result<(), ModelError> {
    let n = 3 * m.buses.len();
    let ground = n;
    let mut uf = Components {
        parent: (0..=n).collect(),
    };
    let node = |bus: usize, k: usize| 3 * bus + k;
    for k in 0..3 {
        for s in &m.sources {
            uf.join(node(s.bus, k), ground);
        }
        for i in &m.inverters {
            uf.join(node(i.bus, k), ground);
        }
        for b in &m.branches {
            uf.join(node(b.from, k), b.to.map_or(ground, |t| node(t, k)));
        }
        for l in &m.lines {
            uf.join(node(l.from, k), node(l.to, k));
            if l.c > 0.0 {
                uf.join(node(l.from, k), ground);
            }
        }
        for s in &m.switches {
            uf.join(node(s.from, k), node(s.to, k));
        }
        for l in &m.loads {
            if l.phases[k] && (l.p > 0.0 || l.q != 0.0) {
                uf.join(node(l.bus, k), ground);
            }
        }
        for f in &m.faults {
            if f.on && f.phases[k] {
                uf.join(node(f.bus, k), ground);
            }
        }
        for t in &m.transformers {
            for (bus, w) in [(t.from, t.hv), (t.to, t.lv)] {
                match w {
                    Winding::Wye => uf.join(node(bus, k), ground),
                    Winding::Delta => uf.join(node(bus, k), node(bus, (k + 1) % 3)),
                }
            }
        }
    }
    let g = uf.find(ground);
    for (b, bus) in m.buses.iter().enumerate() {
        for k in 0..3 {
            if uf.find(node(b, k)) != g {
                return Err(ModelError::Network {
                    file: m.file.clone(),
                    message: format!(
                        "bus `{}` phase {} is floating: no path to ground or to a source through any element",
                        bus.name,
                        ["a", "b", "c"][k]
                    ),
                });
            }
        }
    }
    Ok(())
}
