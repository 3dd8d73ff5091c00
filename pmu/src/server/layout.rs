//! Which connected signal goes into which field of the data frame.

use crate::codec::{
    AnalogUnit, Complex, DataFormat, DigitalUnit, NominalFrequency, PhasorUnit, PmuConfig, PmuData,
    PmuLayout,
};
use gridhil_engine::signal::{Signal, SignalType, Value};

/// Name of the signal that gives FREQ.
pub const FREQ: &str = "freq";
/// Name of the signal that gives DFREQ (ROCOF).
pub const ROCOF: &str = "rocof";

/// Positions of the data frame's fields in a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalMap {
    phasors: Vec<usize>,
    freq: Option<usize>,
    rocof: Option<usize>,
    analogs: Vec<usize>,
    digitals: Vec<usize>,
    names: Vec<String>,
    currents: Vec<bool>,
}

fn is_current(unit: &str) -> bool {
    unit.ends_with('A')
}

fn index_of(signals: &[Signal], name: &str) -> Result<usize, String> {
    signals.iter().position(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
        format!(
            "no input signal `{name}` (the path gives: {})",
            known.join(", ")
        )
    })
}

/// Index of the numeric signal `name`; `None` when it is absent and not `required`.
fn numeric_index(signals: &[Signal], name: &str, required: bool) -> Result<Option<usize>, String> {
    match signals.iter().position(|s| s.name == name) {
        None if required => index_of(signals, name).map(Some),
        None => Ok(None),
        Some(i) => match signals.get(i).map(|s| s.ty) {
            Some(SignalType::F64 | SignalType::I64) => Ok(Some(i)),
            _ if required => Err(format!("signal `{name}` must be a number (f64/i64)")),
            _ => Ok(None),
        },
    }
}

impl SignalMap {
    /// Sorts `signals` into phasors (complex), FREQ/DFREQ (`freq`, `rocof`), analogs
    /// (other numbers) and digitals (booleans, 16 per word).
    pub fn new(signals: &[Signal]) -> Result<Self, String> {
        let mut map = Self::empty(signals);
        for (i, s) in signals.iter().enumerate() {
            match (s.name.as_str(), s.ty) {
                (FREQ, SignalType::F64 | SignalType::I64) => map.freq = Some(i),
                (ROCOF, SignalType::F64 | SignalType::I64) => map.rocof = Some(i),
                _ => map.push(i, s),
            }
        }
        map.check()?;
        Ok(map)
    }

    /// The map of one PMU block that carries the signals named in `selected` (in that
    /// order, sorted by type as in [`SignalMap::new`]). FREQ and DFREQ come from the
    /// signals named `freq` and `rocof` (`None`: the signals called `freq`/`rocof` when
    /// the path has them, else nominal frequency and 0); an explicit name the path does
    /// not have is an error.
    pub fn for_block(
        signals: &[Signal],
        selected: &[String],
        freq: Option<&str>,
        rocof: Option<&str>,
    ) -> Result<Self, String> {
        let mut map = Self::empty(signals);
        let freq_name = freq.unwrap_or(FREQ);
        let rocof_name = rocof.unwrap_or(ROCOF);
        map.freq = numeric_index(signals, freq_name, freq.is_some())?;
        map.rocof = numeric_index(signals, rocof_name, rocof.is_some())?;
        if selected.is_empty() {
            return Err("`signals` is empty: name the input signals this block carries".into());
        }
        for (k, name) in selected.iter().enumerate() {
            if selected
                .get(..k)
                .is_some_and(|before| before.contains(name))
            {
                return Err(format!("signal `{name}` is listed twice"));
            }
            let i = index_of(signals, name)?;
            if (name == freq_name && map.freq == Some(i))
                || (name == rocof_name && map.rocof == Some(i))
            {
                continue;
            }
            if let Some(s) = signals.get(i) {
                map.push(i, s);
            }
        }
        map.check()?;
        Ok(map)
    }

    fn empty(signals: &[Signal]) -> Self {
        SignalMap {
            phasors: Vec::new(),
            freq: None,
            rocof: None,
            analogs: Vec::new(),
            digitals: Vec::new(),
            names: signals.iter().map(|s| s.name.clone()).collect(),
            currents: Vec::new(),
        }
    }

    /// Files signal `i` under phasors, analogs or digitals by its type.
    fn push(&mut self, i: usize, s: &Signal) {
        match s.ty {
            SignalType::Complex => {
                self.phasors.push(i);
                self.currents.push(is_current(&s.unit));
            }
            SignalType::F64 | SignalType::I64 => self.analogs.push(i),
            SignalType::Bool => self.digitals.push(i),
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.phasors.is_empty() && self.freq.is_none() && self.analogs.is_empty() {
            return Err(
                "a pmu-server needs phasors (complex signals), `freq` or analog signals".into(),
            );
        }
        if self.phasors.len() > 1000 || self.analogs.len() > 1000 || self.digitals.len() > 16_000 {
            return Err("too many signals for one PMU block".into());
        }
        Ok(())
    }

    /// The PMU block of the configuration frame for these signals.
    pub fn pmu_config(
        &self,
        station: &str,
        idcode: u16,
        format: DataFormat,
        nominal: NominalFrequency,
        voltage_scale: f64,
        current_scale: f64,
    ) -> Result<PmuConfig, String> {
        let mut pmu = PmuConfig::new(station, idcode, format, nominal);
        let name = |i: usize| self.names.get(i).map_or("", String::as_str);
        let to_unit = |scale: f64| (scale * 1e5).round().clamp(1.0, 16_777_215.0) as u32;
        for (&i, &current) in self.phasors.iter().zip(&self.currents) {
            let unit = if current {
                PhasorUnit::current(to_unit(current_scale))
            } else {
                PhasorUnit::voltage(to_unit(voltage_scale))
            };
            pmu = pmu.with_phasor(name(i), unit);
        }
        for &i in &self.analogs {
            pmu = pmu.with_analog(name(i), AnalogUnit::new(0, 1));
        }
        for word in self.digitals.chunks(16) {
            let labels: Vec<&str> = word.iter().map(|&i| name(i)).collect();
            let valid = if word.len() == 16 {
                u16::MAX
            } else {
                (1u16 << word.len()) - 1
            };
            pmu = pmu.with_digital(&labels, DigitalUnit { normal: 0, valid });
        }
        Ok(pmu)
    }

    /// Writes the sample's values into a data block (allocation-free). Values that do
    /// not fit the wire format saturate; missing values are written as zero.
    pub fn fill(&self, values: &[Value], data: &mut PmuData, layout: &PmuLayout) -> bool {
        let get = |i: usize| values.get(i).copied().unwrap_or_default();
        let mut ok = true;
        for (k, &i) in self.phasors.iter().enumerate() {
            let c = get(i).as_complex();
            ok &= data.set_phasor(k, Complex::new(c.re, c.im), layout).is_ok();
        }
        let freq = self.freq.map_or(layout.nominal_hz, |i| get(i).as_f64());
        data.set_frequency_hz(freq, layout);
        data.set_rocof_hz_per_s(self.rocof.map_or(0.0, |i| get(i).as_f64()), layout);
        for (k, &i) in self.analogs.iter().enumerate() {
            ok &= data.set_analog(k, get(i).as_f64(), layout).is_ok();
        }
        for (word, chunk) in data.digitals.iter_mut().zip(self.digitals.chunks(16)) {
            *word = chunk
                .iter()
                .enumerate()
                .filter(|(_, &i)| matches!(get(i), Value::Bool(true)))
                .fold(0u16, |w, (bit, _)| w | (1 << bit));
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Config, DataFrame, NominalFrequency};

    fn signals() -> Vec<Signal> {
        vec![
            Signal::new("va", "V", SignalType::Complex),
            Signal::new("ia", "A", SignalType::Complex),
            Signal::new("freq", "Hz", SignalType::F64),
            Signal::new("rocof", "Hz/s", SignalType::F64),
            Signal::new("p", "W", SignalType::F64),
            Signal::new("breaker", "", SignalType::Bool),
        ]
    }

    #[test]
    fn signals_are_sorted_into_fields() {
        let map = SignalMap::new(&signals()).unwrap();
        let pmu = map
            .pmu_config(
                "S",
                3,
                DataFormat::new(false, true, true, false),
                NominalFrequency::HZ50,
                0.01,
                0.01,
            )
            .unwrap();
        assert_eq!(pmu.phasors.len(), 2);
        assert!(!pmu.phasors[0].unit.is_current() && pmu.phasors[1].unit.is_current());
        assert_eq!((pmu.analogs.len(), pmu.digitals.len()), (1, 1));
        assert_eq!(pmu.digitals[0].unit.valid, 1);

        let cfg = Config::new(1_000_000, 50, vec![pmu]);
        let layout = cfg.layout();
        let mut data = DataFrame::zeroed(&layout);
        let values = [
            Value::Complex(gridhil_engine::signal::Complex::new(230.0, 0.0)),
            Value::Complex(gridhil_engine::signal::Complex::new(0.0, -100.0)),
            Value::F64(50.02),
            Value::F64(0.5),
            Value::F64(1234.0),
            Value::Bool(true),
        ];
        assert!(map.fill(&values, &mut data.pmus[0], &layout.pmus[0]));
        let v = data.pmus[0].values(&layout.pmus[0]);
        assert!((v.phasors[0].magnitude() - 230.0).abs() < 0.01);
        assert!((v.phasors[1].magnitude() - 100.0).abs() < 0.01);
        assert!((v.frequency_hz - 50.02).abs() < 1e-9);
        assert!((v.rocof_hz_per_s - 0.5).abs() < 1e-9);
        assert_eq!(v.analogs, vec![1234.0]);
        assert_eq!(v.digitals, vec![1]);
        // Missing values are written as zero, without panicking.
        assert!(map.fill(&[], &mut data.pmus[0], &layout.pmus[0]));
    }

    #[test]
    fn a_pmu_needs_something_to_send() {
        assert!(SignalMap::new(&[Signal::new("b", "", SignalType::Bool)]).is_err());
    }
}
