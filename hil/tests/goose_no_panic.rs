//! Robustness of the GOOSE codec: random, mutated and truncated frames (seeded from every
//! GOOSE capture and from our own frames) never panic; whatever parses re-emits into a
//! frame that parses to the same value; malformed input is an error that names a field.
//! (The same property as fuzz/fuzz_targets/goose_frame.rs, on stable and in CI.)

mod common;

use gridhil_hil::goose::{
    quality_from_bits, Data, DataList, Dbpos, GooseFrameRepr, GoosePduRepr, SequenceTracker,
};

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

fn walk(list: &DataList<'_>) {
    for item in list.iter() {
        match item {
            Data::Structure(inner) | Data::Array(inner) => walk(&inner),
            Data::BitString(bits) => {
                let _ = (
                    Dbpos::from_bits(&bits),
                    quality_from_bits(&bits),
                    bits.to_u64(),
                );
            }
            other => {
                let _ = other.as_f64();
            }
        }
    }
}

/// Parses `bytes` every way the API allows; checks the re-emit property.
fn exercise(bytes: &[u8], tracker: &mut SequenceTracker) -> bool {
    let _ = GoosePduRepr::parse_bytes(bytes);
    let Ok(frame) = GooseFrameRepr::parse(bytes) else {
        return false;
    };
    walk(&frame.pdu.all_data);
    tracker.observe(frame.pdu.st_num, frame.pdu.sq_num);
    let mut buf = vec![0u8; frame.buffer_len()];
    let len = frame.emit(&mut buf).expect("an accepted frame re-emits");
    let again = GooseFrameRepr::parse(&buf[..len]).expect("a re-emitted frame parses");
    assert!(again.pdu.all_data.equivalent(&frame.pdu.all_data));
    assert_eq!(again.pdu.st_num, frame.pdu.st_num);
    true
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    if let Some(dir) = common::shared_dir() {
        let captures = dir.join("captures");
        for name in [
            "goose/GOOSE.pcap",
            "goose/GOOSE_DEMO.pcap",
            "goose/Sample_File_GOOSE.pcap",
            "goose/iedscout.pcap",
            "goose/GOOSE and MMS.pcapng",
            "generated-by-peers/goose_open61850_veth.pcap",
        ] {
            let frames = common::capture::read_packets(&captures.join(name));
            seeds.extend(
                frames
                    .into_iter()
                    .filter(|f| gridhil_hil::goose::is_goose(f))
                    .take(8),
            );
        }
    }
    seeds
}

#[test]
fn every_truncation_and_mutation_is_handled() {
    let seeds = seeds();
    let mut tracker = SequenceTracker::new();
    let mut accepted = 0;
    let mut rejected = 0;
    for seed in &seeds {
        assert!(exercise(seed, &mut tracker), "a captured frame parses");
        for len in 0..seed.len() {
            if exercise(&seed[..len], &mut tracker) {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..40_000 {
        let mut frame = seeds
            .get(rng.below(seeds.len()))
            .cloned()
            .unwrap_or_else(|| vec![0u8; 64]);
        for _ in 0..=rng.below(4) {
            let at = rng.below(frame.len());
            match rng.below(3) {
                0 => frame[at] = rng.next() as u8,
                1 => frame[at] ^= 1 << rng.below(8),
                _ => frame.truncate(at.max(1)),
            }
        }
        if round % 10 == 0 {
            frame = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        }
        if exercise(&frame, &mut tracker) {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    eprintln!("accepted {accepted}, rejected {rejected}");
    assert!(rejected > 0 && (seeds.is_empty() || accepted > 0));
}
