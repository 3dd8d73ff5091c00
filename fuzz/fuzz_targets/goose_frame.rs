//! Fuzz target: IEC 61850-8-1 GOOSE frames.
//!
//! Property: parsing never panics; an accepted frame's allData iterates (nested
//! structures included) without panicking, and re-emitting it gives a frame that parses
//! to the same value. Run with `cargo +nightly fuzz run goose_frame` in `fuzz/`.

#![no_main]

use gridhil_hil::goose::{quality_from_bits, Data, DataList, Dbpos, GooseFrameRepr, GoosePduRepr};
use libfuzzer_sys::fuzz_target;

fn walk(list: &DataList<'_>) {
    for item in list.iter() {
        match item {
            Data::Structure(inner) | Data::Array(inner) => walk(&inner),
            Data::BitString(bits) => {
                let _ = (Dbpos::from_bits(&bits), quality_from_bits(&bits));
            }
            other => {
                let _ = other.as_f64();
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = GoosePduRepr::parse_bytes(data);
    let Ok(frame) = GooseFrameRepr::parse(data) else {
        return;
    };
    walk(&frame.pdu.all_data);
    let mut buf = vec![0u8; frame.buffer_len()];
    let len = frame.emit(&mut buf).expect("an accepted frame re-emits");
    let again = GooseFrameRepr::parse(&buf[..len]).expect("a re-emitted frame parses");
    assert!(again.pdu.all_data.equivalent(&frame.pdu.all_data));
});
