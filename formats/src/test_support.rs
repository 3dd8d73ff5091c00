//! Helpers of the unit tests.

use crate::{Format, FormatError};
use gridhil_sample::{Batch, SamplePool, Signal, SignalType, Value};

/// A decoded sample: sequence, origin time, values.
pub type Decoded = (u64, i64, Vec<Value>);

/// Signals of the given types, named `s0`, `s1`, …
pub fn signals(types: &[SignalType]) -> Vec<Signal> {
    types
        .iter()
        .enumerate()
        .map(|(i, ty)| Signal::new(format!("s{i}"), "", *ty))
        .collect()
}

/// Encodes one sample per `(seq, ts_origin, values)` into one datagram.
pub fn encode(
    format: &mut dyn Format,
    signals: &[Signal],
    samples: &[(u64, i64, &[Value])],
) -> Result<Vec<u8>, FormatError> {
    let pool = SamplePool::new(samples.len().max(1), signals.len().max(8));
    let refs: Vec<_> = samples
        .iter()
        .map(|(seq, ts, values)| {
            let mut s = pool.alloc().expect("pool sized for the samples");
            s.seq = *seq;
            s.ts_origin = *ts;
            s.set_values(values).expect("pool sized for the values");
            s
        })
        .collect();
    let mut buf = vec![0u8; 64 + samples.len() * format.max_encoded_len(signals)];
    let len = format.encode(&refs, signals, &mut buf)?;
    buf.truncate(len);
    Ok(buf)
}

/// Decodes a datagram; on error also reports how many samples were appended before it.
pub fn decode(
    format: &mut dyn Format,
    datagram: &[u8],
    signals: &[Signal],
) -> Result<Vec<Decoded>, (FormatError, usize)> {
    let pool = SamplePool::new(8, signals.len().max(1));
    let mut out = Batch::with_capacity(8);
    match format.decode(datagram, signals, &pool, &mut out) {
        Ok(n) => {
            assert_eq!(n, out.len());
            Ok(out
                .as_slice()
                .iter()
                .map(|s| (s.seq, s.ts_origin, s.values().to_vec()))
                .collect())
        }
        Err(e) => Err((e, out.len())),
    }
}
