//! Fuzz target: IEEE C37.118.2 frames and streams.
//!
//! Property: nothing panics on any input — the frame view, every payload
//! parser, the stream splitter (fed in two chunks) and the stream decoder;
//! every frame that decodes re-encodes to exactly the same bytes.
//! Run with `cargo +nightly fuzz run c37118_frame` in `fuzz/`.

#![no_main]

use gridhil_pmu::codec::{
    Command, Config, Config3, Frame, FrameRepr, FrameSplitter, StreamDecoder,
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
});
