//! Measurement outputs: what each output value is computed from.

/// Source of one output value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Out {
    /// Voltage of an unknown (bus phase), V.
    Node(usize),
    /// Current of a companion branch, A.
    Branch(usize),
    /// Source current of one phase, A.
    SourceI(usize, usize),
    /// Source three-phase active power (W) into the bus.
    SourceP(usize),
    /// Source three-phase reactive power (var) into the bus.
    SourceQ(usize),
    /// Source frequency (Hz).
    SourceFreq(usize),
    /// Sliding one-cycle RMS of a bus phase voltage, V.
    Rms(usize, usize),
    /// PLL frequency estimate of a bus, Hz.
    BusFreq(usize),
    /// Inverter active power (W) into the bus.
    InverterP(usize),
    /// Inverter reactive power (var) into the bus.
    InverterQ(usize),
    /// Inverter PLL frequency (Hz).
    InverterFreq(usize),
    /// Transformer line current: into the HV terminal, or out of the LV
    /// terminal (`lv`), of a phase.
    TransformerI {
        /// Transformer index.
        tr: usize,
        /// LV side.
        lv: bool,
        /// Phase 0..3.
        phase: usize,
    },
    /// Load phase current (sum of its R, L, C branches).
    LoadI(usize, usize),
    /// Load active power (W).
    LoadP(usize),
    /// 1 when all poles of a switch are closed, else 0.
    SwitchClosed(usize),
}

impl Out {
    /// Unit symbol of the value.
    pub fn unit(self) -> &'static str {
        match self {
            Out::Node(_) | Out::Rms(..) => "V",
            Out::Branch(_) | Out::SourceI(..) | Out::TransformerI { .. } | Out::LoadI(..) => "A",
            Out::SourceP(_) | Out::InverterP(_) | Out::LoadP(_) => "W",
            Out::SourceQ(_) | Out::InverterQ(_) => "var",
            Out::SourceFreq(_) | Out::BusFreq(_) | Out::InverterFreq(_) => "Hz",
            Out::SwitchClosed(_) => "",
        }
    }
}

/// Instantaneous three-phase active and reactive power from phase voltages
/// and currents: p = Σ v·i, q = [(vb−vc)·ia + (vc−va)·ib + (va−vb)·ic] / √3.
#[inline]
pub(crate) fn power(v: [f64; 3], i: [f64; 3]) -> (f64, f64) {
    let p = v[0] * i[0] + v[1] * i[1] + v[2] * i[2];
    let q = ((v[1] - v[2]) * i[0] + (v[2] - v[0]) * i[1] + (v[0] - v[1]) * i[2]) / 3f64.sqrt();
    (p, q)
}
