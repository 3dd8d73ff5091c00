//! Robustness: the parser never panics on random, mutated or truncated frames,
//! and whatever it accepts re-emits into a frame that parses to the same value.
//! (The same property as fuzz/fuzz_targets/sv_frame.rs, on stable and in CI.)

mod common;

use gridhil_hil::sv::{
    AsduRepr, Dataset, Measurement, Profile, SavPduRepr, SmpCntTracker, SvFrameRepr, SvStream,
    UtcTime, MAX_FRAME_LEN,
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

/// Parses `bytes` every way the API allows; checks the re-emit property.
fn exercise(bytes: &[u8], tracker: &mut SmpCntTracker) -> bool {
    let _ = SavPduRepr::parse_bytes(bytes);
    let _ = AsduRepr::parse(bytes);
    let Ok(frame) = SvFrameRepr::parse(bytes) else {
        return false;
    };
    let le = Dataset::le_9_2();
    let mut out = [Measurement::default(); 8];
    for asdu in frame.pdu.asdus.iter() {
        let asdu = asdu.expect("validated ASDUs iterate without error");
        let _ = le.decode(asdu.seq_data, &mut out);
        tracker.observe(asdu.smp_cnt);
    }
    let mut buf = vec![0u8; frame.buffer_len()];
    let len = frame.emit(&mut buf).expect("an accepted frame re-emits");
    let again = SvFrameRepr::parse(&buf[..len]).expect("a re-emitted frame parses");
    assert_eq!(again, frame);
    true
}

/// Seed frames: our own for every profile (always), plus every SV capture frame.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (p, profile) in Profile::ALL.iter().enumerate() {
        let mut stream = SvStream::new("SEED", 0x4000, profile).unwrap();
        if p % 2 == 1 {
            stream.dat_set = Some("LD/LLN0$DS".to_owned());
            stream.smp_rate = Some(80);
            stream.gmid_data = Some([1; 8]);
        }
        let values = vec![1.0; stream.values_per_frame()];
        let mut buf = [0u8; MAX_FRAME_LEN];
        let refr = (p % 3 == 0).then(|| UtcTime::from_unix_nanos(1, 0));
        let len = stream.build_frame(&mut buf, 7, &values, &[], refr).unwrap();
        seeds.push(buf[..len].to_vec());
    }
    if let Some(dir) = common::shared_dir() {
        let captures = dir.join("captures");
        for name in [
            "sv/9-2-sv.pcap",
            "sv/IEC61850_SV.pcap",
            "generated-by-peers/sv_libiec61850_9-2LE_veth.pcap",
        ] {
            let frames = common::capture::read_packets(&captures.join(name));
            seeds.extend(frames.into_iter().take(12));
        }
    }
    seeds
}

#[test]
fn every_truncation_of_every_seed_is_handled() {
    let mut tracker = SmpCntTracker::new(4000);
    for seed in seeds() {
        let accepted = exercise(&seed, &mut tracker);
        for cut in 0..seed.len() {
            // A truncated frame is never accepted unless only padding was cut.
            if exercise(&seed[..cut], &mut tracker) {
                assert!(accepted, "a prefix of a rejected frame was accepted");
            }
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    const SPECIAL: [u8; 10] = [0x00, 0x01, 0x30, 0x60, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tracker = SmpCntTracker::new(4800);
    let seeds = seeds();
    let mut accepted = 0usize;
    for round in 0..20000 {
        let mut bytes = seeds[round % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let pos = rng.below(bytes.len());
            match rng.below(5) {
                0 => bytes[pos] ^= 1 << rng.below(8),
                1 => bytes[pos] = SPECIAL[rng.below(SPECIAL.len())],
                2 => bytes[pos] = rng.next() as u8,
                3 => {
                    bytes.insert(pos, rng.next() as u8);
                }
                _ => {
                    bytes.remove(pos);
                }
            }
        }
        if exercise(&bytes, &mut tracker) {
            accepted += 1;
        }
    }
    // Mutations of seqData bytes keep a frame valid, so some must pass.
    assert!(accepted > 0);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut tracker = SmpCntTracker::new(12800);
    let sv_prefix = [
        1, 0x0c, 0xcd, 4, 0, 1, 2, 0, 0, 0, 0, 1, 0x88, 0xba, 0x40, 0,
    ];
    for round in 0..10000 {
        let len = rng.below(160);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if round % 2 == 0 && bytes.len() >= 24 {
            // Valid Ethernet and APPID, consistent Length, then random BER.
            bytes[..sv_prefix.len()].copy_from_slice(&sv_prefix);
            let length = (bytes.len() - 14) as u16;
            bytes[16..18].copy_from_slice(&length.to_be_bytes());
            bytes[22] = 0x60;
        }
        exercise(&bytes, &mut tracker);
        tracker.observe(rng.next() as u16);
    }
}
