//! `digest`: a running 64-bit FNV-1a hash over each sample's `seq`, `ts_origin` and
//! values (bit for bit): a fingerprint for regression tests, carried as two new signals
//! (`digest_hi`, `digest_lo`: 32-bit halves, exact in the run log's f64 columns) and
//! given in the end-of-run summary.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use serde::Deserialize;

/// Configuration of the `digest` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Add the `digest_hi`/`digest_lo` signals (off: only the summary).
    #[serde(default = "yes")]
    pub signals: bool,
    /// Hash `ts_origin` too (off: only `seq` and values).
    #[serde(default = "yes")]
    pub timestamps: bool,
}

fn yes() -> bool {
    true
}

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`, starting from `hash`.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

/// FNV-1a over the eight little-endian bytes of `word`.
fn mix(hash: u64, word: u64) -> u64 {
    fnv1a(hash, &word.to_le_bytes())
}

/// The hash after `sample` (values as f64 bits, integers as their two's complement,
/// booleans 0/1, complex values real then imaginary part).
pub(crate) fn digest_of(mut hash: u64, seq: u64, ts: Option<i64>, values: &[Value]) -> u64 {
    hash = mix(hash, seq);
    if let Some(ts) = ts {
        hash = mix(hash, ts as u64);
    }
    for value in values {
        hash = match *value {
            Value::F64(v) => mix(hash, v.to_bits()),
            Value::I64(v) => mix(hash, v as u64),
            Value::Bool(v) => mix(hash, u64::from(v)),
            Value::Complex(c) => mix(mix(hash, c.re.to_bits()), c.im.to_bits()),
        };
    }
    hash
}

struct Digest {
    signals: bool,
    timestamps: bool,
    width: usize,
    hash: u64,
    samples: u64,
    capacity_errors: u64,
}

impl HookConfig for DigestConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let mut output = input.to_vec();
        if self.signals {
            for name in ["digest_hi", "digest_lo"] {
                if input.iter().any(|s| s.name == name) {
                    return Err(FieldError::new(format!(
                        "the path has a signal `{name}` already"
                    )));
                }
                output.push(Signal::new(name, "", SignalType::I64));
            }
        }
        Ok((
            Box::new(Digest {
                signals: self.signals,
                timestamps: self.timestamps,
                width: input.len(),
                hash: OFFSET,
                samples: 0,
                capacity_errors: 0,
            }),
            output,
        ))
    }
}

impl Hook for Digest {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let ts = self.timestamps.then_some(sample.ts_origin);
        self.hash = digest_of(self.hash, sample.seq, ts, sample.values());
        self.samples += 1;
        if self.signals {
            let ok = sample.values().len() == self.width
                && sample.push(Value::I64((self.hash >> 32) as i64)).is_ok()
                && sample
                    .push(Value::I64((self.hash & 0xffff_ffff) as i64))
                    .is_ok();
            if !ok {
                self.capacity_errors += 1;
                return HookAction::Drop;
            }
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "digest: {:016x} after {} samples",
            self.hash, self.samples
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            mix(OFFSET, u64::from_le_bytes(*b"foobar\0\0")),
            fnv1a(OFFSET, b"foobar\0\0")
        );
    }

    #[test]
    fn the_digest_changes_with_any_bit_and_is_carried_in_the_sample() {
        let mut a = rig::<DigestConfig>("", &["x"]);
        let mut b = rig::<DigestConfig>("", &["x"]);
        let out_a = a.feed(1000, &[vec![1.0], vec![2.0], vec![3.0]]);
        let out_b = b.feed(
            1000,
            &[
                vec![1.0],
                vec![2.0],
                vec![f64::from_bits(3f64.to_bits() ^ 1)],
            ],
        );
        assert_eq!(out_a[1], out_b[1]);
        assert_ne!(out_a[2], out_b[2]);
        let summary = a.hook.summary().unwrap();
        let hex = format!("{:08x}{:08x}", out_a[2].1[1] as u64, out_a[2].1[2] as u64);
        assert!(
            summary.starts_with(&format!("digest: {hex}")),
            "{summary} vs {hex}"
        );
    }
}
