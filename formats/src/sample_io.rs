//! Shared steps of encoders and decoders: checking a sample's values against the declared
//! signals, taking samples from the pool and handing them to the output batch.

use crate::FormatError;
use gridhil_sample::{Batch, Sample, SamplePool, SampleRef, Signal, Value};
use std::sync::Arc;

/// The sample's values for the declared signals; extra values are ignored.
pub fn declared_values<'a>(
    sample: &'a Sample,
    signals: &[Signal],
) -> Result<&'a [Value], FormatError> {
    let values = sample.values();
    values
        .get(..signals.len())
        .ok_or(FormatError::TooFewValues {
            declared: signals.len(),
            got: values.len(),
        })
}

/// Number of scalar fields (one per value, two per complex value) the signals take on the wire.
pub fn scalar_count(signals: &[Signal]) -> usize {
    signals.iter().map(Signal::columns).sum()
}

/// Takes an empty sample able to hold `signals` from `pool`, checking first that `out` has room.
pub fn take_sample(
    pool: &Arc<SamplePool>,
    signals: &[Signal],
    out: &Batch,
) -> Result<SampleRef, FormatError> {
    if out.is_full() {
        return Err(FormatError::BatchFull);
    }
    if pool.value_capacity() < signals.len() {
        return Err(FormatError::SampleCapacity {
            capacity: pool.value_capacity(),
            needed: signals.len(),
        });
    }
    pool.alloc().ok_or(FormatError::PoolExhausted)
}

/// Appends a value to a sample taken by [`take_sample`].
pub fn push_value(sample: &mut Sample, value: Value) -> Result<(), FormatError> {
    let capacity = sample.capacity();
    sample.push(value).map_err(|_| FormatError::SampleCapacity {
        capacity,
        needed: capacity + 1,
    })
}

/// Appends a decoded sample to the batch.
pub fn deliver(out: &mut Batch, sample: SampleRef) -> Result<(), FormatError> {
    // The returned sample goes back to the pool when dropped here.
    out.push(sample).map_err(|_| FormatError::BatchFull)
}

/// The one sample of a single-sample format's datagram: `None` for no samples, an error for
/// more than one.
pub(crate) fn single_sample(samples: &[SampleRef]) -> Result<Option<&SampleRef>, FormatError> {
    match samples {
        [] => Ok(None),
        [sample] => Ok(Some(sample)),
        _ => Err(FormatError::TooManySamples {
            max: 1,
            got: samples.len(),
        }),
    }
}
