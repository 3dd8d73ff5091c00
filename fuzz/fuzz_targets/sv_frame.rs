//! Fuzz target: IEC 61850-9-2 sampled-values frames.
//!
//! Property: parsing never panics; an accepted frame's ASDUs iterate and decode
//! without panicking, and re-emitting it gives a frame that parses to the same
//! value. Run with `cargo +nightly fuzz run sv_frame` in `fuzz/`.

#![no_main]

use gridhil_hil::sv::{AsduRepr, Dataset, Measurement, SavPduRepr, SmpCntTracker, SvFrameRepr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = SavPduRepr::parse_bytes(data);
    let _ = AsduRepr::parse(data);
    let Ok(frame) = SvFrameRepr::parse(data) else {
        return;
    };
    let dataset = Dataset::le_9_2();
    let mut values = [Measurement::default(); 8];
    let mut tracker = SmpCntTracker::new(4000);
    for asdu in frame.pdu.asdus.iter() {
        let asdu = asdu.expect("validated ASDUs iterate without error");
        let _ = dataset.decode(asdu.seq_data, &mut values);
        tracker.observe(asdu.smp_cnt);
    }
    let mut buf = vec![0u8; frame.buffer_len()];
    let len = frame.emit(&mut buf).expect("an accepted frame re-emits");
    let again = SvFrameRepr::parse(&buf[..len]).expect("a re-emitted frame parses");
    assert_eq!(again, frame);
});
