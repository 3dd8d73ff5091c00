//! Robustness of the IEC 104 codec: every truncation of capture APDUs and random, mutated
//! or hostile byte streams never panic; whatever parses re-emits into the same bytes.
//! (The same property as fuzz/fuzz_targets/iec104_apdu.rs, on stable and in CI.)

mod common;

use gridhil_hil::iec104::{apdu_len, ApduRepr, AsduRepr};

/// Deterministic xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Frames a stream the way a node does (stop at the first framing error); checks the
/// re-emit property of every APDU that parses; returns how many did.
fn exercise(stream: &[u8]) -> usize {
    let _ = AsduRepr::parse_bytes(stream);
    let mut rest = stream;
    let mut parsed = 0;
    while let Ok(Some(n)) = apdu_len(rest) {
        let Some(raw) = rest.get(..n) else { break };
        if let Ok(apdu) = ApduRepr::parse(raw) {
            for object in apdu.asdu.iter().flat_map(|a| a.iter()) {
                let _ = (
                    object.element.value(),
                    object.time.map(|t| t.to_unix_nanos()),
                );
            }
            let mut out = vec![0u8; apdu.buffer_len()];
            apdu.emit(&mut out).expect("an accepted APDU re-emits");
            assert_eq!(out, raw, "re-emission");
            parsed += 1;
        }
        rest = &rest[n..];
    }
    parsed
}

/// Seed APDUs: the TCP payloads (from START on) of the captures' frames.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![
        vec![0x68, 0x04, 0x07, 0, 0, 0],
        vec![0x68, 0x0e, 0, 0, 0, 0, 100, 1, 6, 0, 10, 0, 0, 0, 0, 20],
    ];
    if let Some(dir) = common::shared_dir() {
        for name in ["iec104.pcap", "104deneme.pcap", "TestDissectIec104.pcap"] {
            let frames = common::capture::read_packets(&dir.join("captures/iec104").join(name));
            for frame in frames {
                if let Some(at) = frame.windows(2).position(|w| w[0] == 0x68 && w[1] >= 4) {
                    if at >= 54 {
                        seeds.push(frame[at..].to_vec());
                    }
                }
            }
        }
    }
    seeds
}

#[test]
fn every_truncation_and_mutation_is_handled() {
    let seeds = seeds();
    let mut accepted = 0;
    for seed in &seeds {
        for len in 0..=seed.len() {
            accepted += exercise(&seed[..len]);
        }
    }
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..50_000 {
        let mut s = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(s.len());
            match rng.below(3) {
                0 => s[at] = rng.next() as u8,
                1 => s[at] ^= 1 << rng.below(8),
                _ => s.truncate(at.max(1)),
            }
        }
        if round % 10 == 0 {
            s = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
            if let Some(first) = s.first_mut() {
                *first = 0x68;
            }
        }
        accepted += exercise(&s);
    }
    eprintln!("{} seeds, {accepted} APDUs accepted", seeds.len());
    assert!(accepted > seeds.len());
}
