//! Fuzz target: IEC 60870-5-104 byte streams.
//!
//! Property: framing and parsing never panic; every accepted APDU's objects iterate and
//! decode, and re-emitting it gives the same bytes. Run with
//! `cargo +nightly fuzz run iec104_apdu` in `fuzz/`.

#![no_main]

use gridhil_hil::iec104::{apdu_len, ApduRepr, AsduRepr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = AsduRepr::parse_bytes(data);
    let mut rest = data;
    while let Ok(Some(n)) = apdu_len(rest) {
        let Some(raw) = rest.get(..n) else { break };
        if let Ok(apdu) = ApduRepr::parse(raw) {
            for object in apdu.asdu.iter().flat_map(|a| a.iter()) {
                let _ = (object.element.value(), object.time.map(|t| t.to_unix_nanos()));
            }
            let mut out = vec![0u8; apdu.buffer_len()];
            apdu.emit(&mut out).expect("an accepted APDU re-emits");
            assert_eq!(out, raw);
        }
        rest = &rest[n..];
    }
});
