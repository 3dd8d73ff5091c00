//! The decoder never panics: random bytes, mutated capture frames (with and
//! without repaired FRAMESIZE/CRC, so that mutations reach the payload
//! parsers), every truncation, and random chunking of a stream through the
//! splitter. Every frame that decodes must re-encode to the same bytes.
//! Deterministic (xorshift), so a failure reproduces.

mod codec_support;

use codec_support::capture::decode_capture;
use codec_support::CAPTURES;
use gridhil_pmu::codec::{
    crc_ccitt, Command, Config, Config3, DataFrame, DataLayout, Error, Frame, FrameRepr,
    FrameSplitter, StreamDecoder,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Sets FRAMESIZE to the buffer length and fixes the CRC.
fn repair(frame: &mut [u8]) {
    if frame.len() < 16 || frame.len() > 65535 {
        return;
    }
    let len = frame.len();
    frame[2..4].copy_from_slice(&(len as u16).to_be_bytes());
    let crc = crc_ccitt(&frame[..len - 2]);
    frame[len - 2..].copy_from_slice(&crc.to_be_bytes());
}

/// Runs every parser on `bytes`; decoded frames must re-encode unchanged.
fn exercise(bytes: &[u8], layouts: &[DataLayout]) {
    if let Ok(frame) = Frame::new_checked(bytes) {
        let _ = frame.check_crc();
        let _ = frame.header();
        let payload = frame.payload();
        let _ = Config::parse(payload);
        let _ = Config3::parse(payload);
        let _ = Command::parse(payload);
        for layout in layouts {
            let _ = DataFrame::parse(payload, layout);
        }
    }
    let check = |repr: FrameRepr| {
        assert_eq!(
            repr.to_vec().expect("re-encode"),
            bytes,
            "re-encoding changed a frame"
        );
    };
    match FrameRepr::parse_bytes(bytes, None) {
        Ok(repr) => check(repr),
        // Only data frames need a layout: try them all.
        Err(Error::MissingConfig) => {
            for layout in layouts {
                if let Ok(repr) = FrameRepr::parse_bytes(bytes, Some(layout)) {
                    check(repr);
                }
            }
        }
        Err(_) => {}
    }
}

/// Frames to mutate (computed once per test binary).
fn seed_frames() -> (Vec<Vec<u8>>, Vec<DataLayout>) {
    static SEEDS: std::sync::OnceLock<(Vec<Vec<u8>>, Vec<DataLayout>)> = std::sync::OnceLock::new();
    SEEDS.get_or_init(build_seed_frames).clone()
}

/// Frames to mutate: from the captures if present, plus frames built here.
fn build_seed_frames() -> (Vec<Vec<u8>>, Vec<DataLayout>) {
    let mut frames = Vec::new();
    let mut layouts = Vec::new();
    let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    for spec in CAPTURES {
        let Ok(bytes) = std::fs::read(shared.join(spec.path)) else {
            continue;
        };
        let (decoded, _) = decode_capture(&bytes, spec.ports);
        // A few frames of every kind from each capture.
        let mut per_kind = [0usize; 8];
        for d in decoded {
            let kind = usize::from(d.bytes[1] >> 4 & 7);
            if let Ok(FrameRepr {
                payload: gridhil_pmu::codec::Payload::Config2(c),
                ..
            }) = &d.result
            {
                layouts.push(c.layout());
            }
            if per_kind[kind] < 3 {
                per_kind[kind] += 1;
                frames.push(d.bytes);
            }
        }
    }
    if frames.is_empty() {
        println!("note: shared captures absent, mutating built-in frames only");
    }
    // Built-in frames so that the test means something without ../shared.
    let cfg = Config::new(
        1_000_000,
        30,
        vec![gridhil_pmu::codec::PmuConfig::new(
            "X",
            1,
            gridhil_pmu::codec::DataFormat::new(false, true, false, false),
            gridhil_pmu::codec::NominalFrequency::HZ50,
        )
        .with_phasor("V", gridhil_pmu::codec::PhasorUnit::voltage(100))
        .with_analog("A", gridhil_pmu::codec::AnalogUnit::new(0, 1))
        .with_digital(&["d"], gridhil_pmu::codec::DigitalUnit::default())],
    );
    let header = gridhil_pmu::codec::FrameHeader::new(1, 2, 3);
    let layout = cfg.layout();
    let mut buf = vec![0u8; 4096];
    let n = cfg.encode(false, &header, &mut buf).expect("cfg");
    frames.push(buf[..n].to_vec());
    let n = DataFrame::zeroed(&layout)
        .encode(&header, &mut buf)
        .expect("data");
    frames.push(buf[..n].to_vec());
    layouts.push(layout);
    layouts.dedup();
    (frames, layouts)
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (_, layouts) = seed_frames();
    for _ in 0..20_000 {
        let len = rng.below(200);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len >= 2 && rng.below(2) == 0 {
            bytes[0] = 0xAA;
            bytes[1] = ((rng.below(6) as u8) << 4) | (1 + rng.below(2) as u8);
            repair(&mut bytes);
        }
        exercise(&bytes, &layouts);
    }
}

#[test]
fn mutated_frames_never_panic() {
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    let (frames, layouts) = seed_frames();
    for round in 0..40 {
        for frame in &frames {
            let mut m = frame.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(m.len());
                match rng.below(3) {
                    0 => m[at] ^= 1 << rng.below(8),
                    1 => m[at] = rng.next() as u8,
                    _ => m[at] = [0x00, 0xFF, 0x7F, 0x80][rng.below(4)],
                }
            }
            if round % 2 == 0 {
                repair(&mut m);
            }
            exercise(&m, &layouts);
        }
    }
}

#[test]
fn every_truncation_never_panics() {
    let (frames, layouts) = seed_frames();
    for frame in &frames {
        for cut in 0..frame.len() {
            let mut t = frame[..cut].to_vec();
            exercise(&t, &layouts);
            repair(&mut t);
            exercise(&t, &layouts);
        }
    }
}

#[test]
fn random_chunking_of_a_stream_yields_the_same_frames() {
    let mut rng = XorShift(42);
    let (frames, _) = seed_frames();
    let mut stream = Vec::new();
    for f in &frames {
        stream.extend_from_slice(f);
        // Garbage without SYNC bytes between frames.
        for _ in 0..rng.below(5) {
            stream.push((rng.next() as u8) & 0x7F);
        }
    }
    let mut reference = Vec::new();
    FrameSplitter::default().feed(&stream, |f| reference.push(f.to_vec()));
    assert_eq!(reference, frames);
    for _ in 0..20 {
        let mut splitter = FrameSplitter::new(0);
        let mut decoder = StreamDecoder::new();
        let mut out = Vec::new();
        let mut rest = &stream[..];
        while !rest.is_empty() {
            let n = 1 + rng.below(300).min(rest.len() - 1);
            let (chunk, tail) = rest.split_at(n);
            splitter.feed(chunk, |f| {
                let _ = decoder.decode(f);
                out.push(f.to_vec());
            });
            rest = tail;
        }
        assert_eq!(out, frames);
    }
}
