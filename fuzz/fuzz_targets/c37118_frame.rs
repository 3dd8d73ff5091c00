//! Fuzz target: IEEE C37.118.2 frames and streams.
//!
//! Property: nothing panics on any input — the frame view, every payload
//! parser, the stream splitter (fed in two chunks) and the stream decoder;
//! every frame that decodes re-encodes to exactly the same bytes. A copy of the
//! input with SYNC, FRAMESIZE and CHK repaired is decoded too (with a fixed
//! data layout), so that mutations reach the payload parsers past the CRC.
//! Run with `cargo +nightly fuzz run c37118_frame` in `fuzz/`.

#![no_main]

use gridhil_pmu::codec::{
    AnalogUnit, Command, Config, Config3, DataFormat, DigitalUnit, Frame, FrameRepr, FrameSplitter,
    NominalFrequency, PhasorUnit, PmuConfig, StreamDecoder,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Single frame and raw payload parsers.
    if let Ok(frame) = Frame::new_checked(data) {
        let _ = frame.check_crc();
        let _ = frame.header();
    }
    let _ = FrameRepr::parse_bytes(data, None);
    let _ = Config::parse(data);
    let _ = Config3::parse(data);
    let _ = Command::parse(data);

    // Stream: split in two chunks at a data-dependent point, decode in order.
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (a, b) = data.split_at(cut);
    let mut splitter = FrameSplitter::new(0);
    let mut decoder = StreamDecoder::new();
    for chunk in [a, b] {
        splitter.feed(chunk, |bytes| {
            if let Ok(repr) = decoder.decode(bytes) {
                let again = repr.to_vec().expect("a decoded frame re-encodes");
                assert_eq!(again, bytes, "re-encoding changed the frame");
            }
        });
    }

    // Repaired copy: valid envelope, fuzzed content.
    if (16..=65535).contains(&data.len()) {
        let mut fixed = data.to_vec();
        fixed[0] = 0xAA;
        fixed[1] &= 0x7F;
        fixed[2..4].copy_from_slice(&(data.len() as u16).to_be_bytes());
        Frame::new_unchecked(&mut fixed[..]).fill_checksum();
        let fmt = DataFormat {
            raw: u16::from(data[1] & 0x0F),
        };
        let layout = Config::new(
            1_000_000,
            50,
            vec![PmuConfig::new("F", 1, fmt, NominalFrequency::HZ50)
                .with_phasor("V", PhasorUnit::voltage(1))
                .with_analog("A", AnalogUnit::new(0, 1))
                .with_digital(&["D"], DigitalUnit::default())],
        )
        .layout();
        if let Ok(repr) = FrameRepr::parse_bytes(&fixed, Some(&layout)) {
            assert_eq!(
                repr.to_vec().expect("re-encodes"),
                fixed,
                "re-encoding changed the frame"
            );
        }
    }
});
