//! Fuzzes every wire format's decoder: byte 0 picks the format (one of
//! `gridhil_formats::fixtures::every_format()`), byte 1 the declared signals, the rest is
//! the datagram. A decoder must never panic, and whatever it decodes must re-encode.
#![no_main]

use gridhil_sample::{Batch, SamplePool, SignalType};
use gridhil_formats::{build, fixtures};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [format_pick, signal_pick, datagram @ ..] = data else {
        return;
    };
    let formats = fixtures::every_format();
    let (config, _) = &formats[usize::from(*format_pick) % formats.len()];
    let count = usize::from(signal_pick & 0x3F);
    let signals = match signal_pick >> 6 {
        0 => fixtures::mixed_signals(count),
        1 => fixtures::uniform_signals(count, SignalType::F64),
        2 => fixtures::uniform_signals(count, SignalType::I64),
        _ => fixtures::uniform_signals(count, SignalType::Complex),
    };
    let pool = SamplePool::new(4, count);
    let mut out = Batch::with_capacity(4);
    let mut format = build(config);
    let Ok(decoded) = format.decode(datagram, &signals, &pool, &mut out) else {
        return;
    };
    assert_eq!(decoded, out.len());
    let mut buf = vec![0u8; out.len() * format.max_encoded_len(&signals)];
    let chunk = format.max_samples_per_datagram().min(4);
    for samples in out.as_slice().chunks(chunk) {
        match format.encode(samples, &signals, &mut buf) {
            Ok(len) => assert!(len <= buf.len()),
            // Decoded times or value counts a format cannot send back are refused, not panics.
            Err(gridhil_formats::FormatError::Unrepresentable(_) | gridhil_formats::FormatError::TooManyValues { .. }) => {}
            Err(e) => panic!("{}: re-encoding a decoded sample failed: {e}", format.name()),
        }
    }
});
