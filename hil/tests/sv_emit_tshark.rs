//! Frames emitted by the codec for every profile (and custom datasets) are
//! written to a pcap file and dissected by tshark: no malformed or error marks,
//! and tshark's fields equal the values we encoded.

mod common;

use common::capture::{temp_path, write_pcap};
use gridhil_hil::sv::{
    Channel, Dataset, MacAddress, Profile, Quality, RawValue, SmpMod, SmpSynch, SvFrameRepr,
    SvStream, UtcTime, Validity, ValueType, VlanTag, MAX_FRAME_LEN,
};

/// What one emitted frame should look like to tshark (fields of `common::SV_FIELDS`).
struct Expected {
    fields: Vec<String>,
}

/// `item` `n` times, ';'-joined (tshark's aggregation of a per-ASDU field).
fn rep(item: impl ToString, n: usize) -> String {
    vec![item.to_string(); n].join(";")
}

fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

/// A deterministic spread of quality words, including every defined flag.
fn quality_for(i: usize) -> Quality {
    let mut q = Quality::from_u32(if i % 5 == 0 { 0 } else { 1u32 << (i % 14) });
    if i % 7 == 3 {
        q.validity = Validity::Questionable;
        q.derived = true;
    }
    q
}

/// Builds `count` frames of `stream`, returns them and what tshark should show.
/// `raw_of(frame, k)` gives the k-th raw value of a frame (ASDU-major).
fn build(
    stream: &SvStream,
    first_number: usize,
    count: usize,
    first_smp_cnt: u16,
    refr_tm: Option<UtcTime>,
    raw_of: impl Fn(usize, usize) -> RawValue,
    tshark_value: impl Fn(RawValue) -> i32,
) -> (Vec<Vec<u8>>, Vec<Expected>) {
    let n = stream.values_per_frame();
    let asdus = usize::from(stream.asdus_per_frame);
    let pairs = stream.dataset.seq_data_len() / 8;
    let mut frames = Vec::new();
    let mut expected = Vec::new();
    let mut smp_cnt = first_smp_cnt;
    for f in 0..count {
        let raws: Vec<RawValue> = (0..n).map(|k| raw_of(f, k)).collect();
        let qualities: Vec<Quality> = (0..n).map(|k| quality_for(f * n + k)).collect();
        let mut buf = [0u8; MAX_FRAME_LEN];
        let len = stream
            .build_frame_raw(&mut buf, smp_cnt, &raws, &qualities, refr_tm)
            .unwrap();
        let frame = buf[..len].to_vec();
        let parsed = SvFrameRepr::parse(&frame).unwrap();
        let sv_len = parsed.header.buffer_len() + parsed.pdu.buffer_len();
        let counts: Vec<u16> = (0..asdus).map(|i| stream.smp_cnt_at(smp_cnt, i)).collect();
        let (values, quals) = if pairs * 8 == stream.dataset.seq_data_len()
            && stream
                .dataset
                .channels()
                .iter()
                .all(|c| c.with_quality && c.value_type.size() == 4)
        {
            (
                join(raws.iter().map(|&r| tshark_value(r))),
                join(qualities.iter().map(|q| format!("0x{:08x}", q.to_u32()))),
            )
        } else {
            (String::new(), String::new())
        };
        expected.push(Expected {
            fields: vec![
                (first_number + f).to_string(),
                stream.dst.to_string(),
                stream.vlan.map_or(String::new(), |v| v.pcp.to_string()),
                stream.vlan.map_or(String::new(), |v| v.vid.to_string()),
                format!("0x{:04x}", stream.app_id),
                sv_len.to_string(),
                String::from(if stream.simulation { "1" } else { "0" }),
                asdus.to_string(),
                rep(&stream.sv_id, asdus),
                stream
                    .dat_set
                    .as_ref()
                    .map_or(String::new(), |d| rep(d, asdus)),
                join(counts),
                rep(stream.conf_rev, asdus),
                rep(stream.smp_synch.to_u8(), asdus),
                stream.smp_rate.map_or(String::new(), |r| rep(r, asdus)),
                stream
                    .smp_mod
                    .map_or(String::new(), |m| rep(m.to_u16(), asdus)),
                values,
                quals,
            ],
        });
        frames.push(frame);
        smp_cnt = stream.next_smp_cnt(smp_cnt);
    }
    (frames, expected)
}

fn int32_value(r: RawValue) -> i32 {
    match r {
        RawValue::Int(v) => v as i32,
        RawValue::UInt(v) => v as u32 as i32,
        RawValue::Float(v) => (v as f32).to_bits() as i32,
        RawValue::Bool(b) => i32::from(b),
    }
}

fn profile_frames() -> (Vec<Vec<u8>>, Vec<Expected>) {
    let mut frames = Vec::new();
    let mut expected = Vec::new();
    for (p, profile) in Profile::ALL.iter().enumerate() {
        let mut stream =
            SvStream::new(&format!("GRIDHIL_MU{p:02}"), 0x4000 + p as u16, profile).unwrap();
        stream.dst = MacAddress::sv_multicast(p as u16);
        stream.src = MacAddress([0x02, 0, 0, 0, 0, p as u8]);
        stream.vlan = Some(VlanTag {
            pcp: 4,
            dei: false,
            vid: 10 + p as u16,
        });
        stream.smp_synch = [
            SmpSynch::None,
            SmpSynch::Local,
            SmpSynch::Global,
            SmpSynch::Ptp(9),
        ][p % 4];
        stream.simulation = p % 3 == 1;
        stream.conf_rev = 1 + p as u32;
        let last = (profile.sample_rate - 1) as u16;
        let first = last - (stream.asdus_per_frame as u16) + 1;
        let (f, e) = build(
            &stream,
            frames.len() + 1,
            3,
            first,
            None,
            |f, k| {
                let base =
                    [i64::from(i32::MIN), i64::from(i32::MAX), -1, 0][k % 4] / (f as i64 + 1);
                RawValue::Int(if base > 0 {
                    base - k as i64
                } else {
                    base + k as i64
                })
            },
            int32_value,
        );
        frames.extend(f);
        expected.extend(e);
    }
    (frames, expected)
}

fn custom_frames(first_number: usize) -> (Vec<Vec<u8>>, Vec<Expected>) {
    let mut frames = Vec::new();
    let mut expected = Vec::new();
    // FLOAT32 / INT32U / INT32 with quality, every optional ASDU field, untagged.
    let ds = Dataset::new(vec![
        Channel::new("P", ValueType::Float32, 1.0, true),
        Channel::new("E", ValueType::Int32U, 0.5, true),
        Channel::new("I", ValueType::Int32, 0.001, true),
    ]);
    let mut stream = SvStream::with_dataset("CUSTOM/ALL_FIELDS", 0x7fff, ds, 3, 65536).unwrap();
    stream.vlan = None;
    stream.dat_set = Some("IED1MU/LLN0$PhsMeas1".to_owned());
    stream.smp_rate = Some(4800);
    stream.smp_mod = Some(SmpMod::SamplesPerSecond);
    stream.gmid_data = Some([0x00, 0x1b, 0x19, 0xff, 0xfe, 0x00, 0x00, 0x01]);
    stream.smp_synch = SmpSynch::Ptp(254);
    stream.conf_rev = 0x8000_0001;
    stream.validate().unwrap();
    let refr = UtcTime::from_unix_nanos(1_700_000_000_123_456_789, 0x0a);
    let (f, e) = build(
        &stream,
        first_number,
        2,
        0x9c40,
        Some(refr),
        |f, k| match k % 3 {
            0 => RawValue::Float(-1.5 * (f + k) as f64),
            1 => RawValue::UInt(0xffff_fff0 + k as u64),
            _ => RawValue::Int(-(k as i64) * 1000),
        },
        int32_value,
    );
    frames.extend(f);
    expected.extend(e);
    // Mixed sizes without quality: only the no-malformed check applies.
    let odd = Dataset::new(vec![
        Channel::new("b", ValueType::Boolean, 1.0, false),
        Channel::new("x", ValueType::Int16, 1.0, true),
        Channel::new("y", ValueType::Float64, 1.0, false),
        Channel::new("z", ValueType::Int64, 1.0, false),
    ]);
    let stream = SvStream::with_dataset("ODD", 0x4100, odd, 2, 1000).unwrap();
    let (f, e) = build(
        &stream,
        first_number + frames.len(),
        2,
        998,
        None,
        |_, k| RawValue::Int(k as i64),
        int32_value,
    );
    frames.extend(f);
    expected.extend(e);
    (frames, expected)
}

#[test]
fn emitted_frames_are_clean_and_equal_for_tshark() {
    if !common::tshark_available() {
        return;
    }
    let (mut frames, mut expected) = profile_frames();
    let (f, e) = custom_frames(frames.len() + 1);
    frames.extend(f);
    expected.extend(e);
    let path = temp_path("emitted.pcap");
    write_pcap(&path, &frames);
    let errors = common::tshark_error_frames(&path);
    assert!(errors.is_empty(), "tshark flags: {errors:#?}");
    let rows = common::tshark_sv_fields(&path);
    assert_eq!(rows.len(), frames.len());
    for (row, exp) in rows.iter().zip(&expected) {
        let mut row = row.clone();
        row[6] = String::from(if matches!(row[6].as_str(), "1" | "True") {
            "1"
        } else {
            "0"
        });
        for (i, field) in common::SV_FIELDS.iter().enumerate() {
            if exp.fields[i].is_empty()
                && (field.starts_with("sv.meas") || field.starts_with("vlan"))
            {
                continue;
            }
            assert_eq!(row[i], exp.fields[i], "frame {}: {field}", exp.fields[0]);
        }
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn refr_tm_and_gmid_match_tshark() {
    if !common::tshark_available() {
        return;
    }
    let (frames, _) = custom_frames(1);
    let path = temp_path("refrtm.pcap");
    write_pcap(&path, &frames[..1]);
    let rows = common::tshark(
        &path,
        &[
            "-T",
            "fields",
            "-E",
            "aggregator=;",
            "-e",
            "sv.refrTm",
            "-e",
            "sv.gmidentity",
        ],
    );
    let _ = std::fs::remove_file(&path);
    let line = rows.first().expect("one line");
    // tshark prints refrTm as a UTC date; 1_700_000_000 s is 2023-11-14 22:13:20.
    assert!(line.contains("Nov 14, 2023 22:13:20.123456"), "{line}");
    assert!(line.to_lowercase().contains("0x001b19fffe000001"), "{line}");
}
