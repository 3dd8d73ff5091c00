//! Decodes every sampled-values capture in ../shared/captures and compares each
//! frame, ASDU, value and quality with tshark's `sv` dissector.

mod common;

use std::path::Path;

use common::capture::read_packets;
use gridhil_hil::sv::{
    Channel, Dataset, Measurement, Profile, RawValue, SvError, SvFrameRepr, ValueType,
};

/// The PhsMeas view tshark uses: seqData as (INT32 value, quality) pairs.
fn phs_meas_dataset(seq_data_len: usize) -> Dataset {
    Dataset::new(vec![
        Channel::new("v", ValueType::Int32, 1.0, true);
        seq_data_len / 8
    ])
}

fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

fn bool_field(text: &str) -> bool {
    matches!(text, "1" | "True" | "true")
}

/// Our view of one frame in tshark's field order (see `common::SV_FIELDS`).
fn our_fields(number: usize, frame: &SvFrameRepr<'_>) -> Vec<String> {
    let asdus: Vec<_> = frame.pdu.asdus.iter().map(|a| a.unwrap()).collect();
    let mut values = Vec::new();
    let mut qualities = Vec::new();
    for asdu in &asdus {
        let ds = phs_meas_dataset(asdu.seq_data.len());
        let mut out = vec![Measurement::default(); ds.len()];
        // tshark ignores a trailing part shorter than 8 bytes; so do we here.
        let whole = &asdu.seq_data[..ds.seq_data_len()];
        ds.decode(whole, &mut out).unwrap();
        for m in out {
            match m.raw {
                RawValue::Int(v) => values.push(v.to_string()),
                other => panic!("unexpected {other:?}"),
            }
            qualities.push(format!("0x{:08x}", m.quality.unwrap().to_u32()));
        }
    }
    vec![
        number.to_string(),
        frame.ethernet.dst.to_string(),
        frame
            .ethernet
            .vlan
            .map_or(String::new(), |v| v.pcp.to_string()),
        frame
            .ethernet
            .vlan
            .map_or(String::new(), |v| v.vid.to_string()),
        format!("0x{:04x}", frame.header.app_id),
        (frame.header.buffer_len() + frame.pdu.buffer_len()).to_string(),
        String::from(if frame.header.simulation { "1" } else { "0" }),
        frame.pdu.asdus.len().to_string(),
        join(asdus.iter().map(|a| a.sv_id)),
        join(asdus.iter().filter_map(|a| a.dat_set)),
        join(asdus.iter().map(|a| a.smp_cnt)),
        join(asdus.iter().map(|a| a.conf_rev)),
        join(asdus.iter().map(|a| a.smp_synch.to_u8())),
        join(asdus.iter().filter_map(|a| a.smp_rate)),
        join(asdus.iter().filter_map(|a| a.smp_mod.map(|m| m.to_u16()))),
        values.join(";"),
        qualities.join(";"),
    ]
}

/// Checks one capture; returns the number of SV frames decoded.
fn check_capture(file: &Path, with_tshark: bool) -> usize {
    let frames = read_packets(file);
    let rows = with_tshark.then(|| common::tshark_sv_fields(file));
    if let Some(rows) = &rows {
        assert_eq!(rows.len(), frames.len(), "{}: frame count", file.display());
    }
    let mut decoded = 0;
    for (index, bytes) in frames.iter().enumerate() {
        let number = index + 1;
        let parsed = SvFrameRepr::parse(bytes);
        let Some(rows) = &rows else {
            if let Ok(frame) = parsed {
                our_fields(number, &frame);
                decoded += 1;
            }
            continue;
        };
        let row = &rows[index];
        if row[4].is_empty() {
            assert!(
                matches!(parsed, Err(SvError::WrongEtherType { .. })),
                "{} frame {number}: not SV for tshark, we said {parsed:?}",
                file.display()
            );
            continue;
        }
        let frame = parsed.unwrap_or_else(|e| panic!("{} frame {number}: {e}", file.display()));
        let mut ours = our_fields(number, &frame);
        let mut theirs = row.clone();
        // Booleans print as 0/1 or False/True depending on the tshark version.
        theirs[6] = String::from(if bool_field(&theirs[6]) { "1" } else { "0" });
        if theirs[2].is_empty() {
            ours[2].clear();
            ours[3].clear();
        }
        for (i, field) in common::SV_FIELDS.iter().enumerate() {
            assert_eq!(
                ours[i],
                theirs[i],
                "{} frame {number}: {field}",
                file.display()
            );
        }
        decoded += 1;
    }
    decoded
}

/// Re-emitting a parsed frame gives back the captured bytes.
fn check_reemit(file: &Path) {
    for (index, bytes) in read_packets(file).iter().enumerate() {
        let Ok(frame) = SvFrameRepr::parse(bytes) else {
            continue;
        };
        let mut out = vec![0u8; frame.buffer_len()];
        assert_eq!(frame.emit(&mut out).unwrap(), out.len());
        assert_eq!(
            &out[..],
            &bytes[..out.len()],
            "{} frame {}: re-emitted bytes differ",
            file.display(),
            index + 1
        );
        assert!(
            bytes[out.len()..].iter().all(|&b| b == 0),
            "only padding after"
        );
    }
}

fn shared_captures() -> Option<std::path::PathBuf> {
    common::shared_dir().map(|d| d.join("captures"))
}

#[test]
fn libiec61850_and_open61850_9_2le_streams_match_tshark() {
    let Some(dir) = shared_captures() else { return };
    let tshark = common::tshark_available();
    for (name, frames) in [
        ("generated-by-peers/sv_libiec61850_9-2LE_veth.pcap", 801),
        ("generated-by-peers/sv_open61850rt_9-2LE_veth.pcap", 800),
    ] {
        let file = dir.join(name);
        let decoded = check_capture(&file, tshark);
        assert_eq!(decoded, frames, "{name}");
        check_reemit(&file);
    }
}

#[test]
fn nine_two_le_streams_decode_with_the_le_dataset_and_scaling() {
    let Some(dir) = shared_captures() else { return };
    let file = dir.join("generated-by-peers/sv_libiec61850_9-2LE_veth.pcap");
    let ds = Profile::LE_80_50HZ.dataset();
    let mut out = [Measurement::default(); 8];
    let mut tracker = gridhil_hil::sv::SmpCntTracker::new(4000);
    let mut frames = 0;
    for bytes in read_packets(&file) {
        let Ok(frame) = SvFrameRepr::parse(&bytes) else {
            continue;
        };
        let asdu = frame.pdu.asdus.get(0).unwrap().unwrap();
        assert_eq!(asdu.sv_id, "TESTMU0101");
        ds.decode(asdu.seq_data, &mut out).unwrap();
        for (i, m) in out.iter().enumerate() {
            let RawValue::Int(raw) = m.raw else { panic!() };
            let scale = if i < 4 { 0.001 } else { 0.01 };
            assert!((m.value - raw as f64 * scale).abs() < 1e-12);
        }
        let event = tracker.observe(asdu.smp_cnt);
        assert!(
            matches!(
                event,
                gridhil_hil::sv::SmpCntEvent::First | gridhil_hil::sv::SmpCntEvent::InOrder
            ),
            "smpCnt {} gave {event:?}",
            asdu.smp_cnt
        );
        frames += 1;
    }
    assert_eq!(frames, 801);
    assert_eq!(tracker.stats().lost, 0);
}

#[test]
fn twenty_stream_capture_with_five_asdus_matches_tshark() {
    let Some(dir) = shared_captures() else { return };
    let file = dir.join("sv/9-2-sv.pcap");
    assert_eq!(check_capture(&file, common::tshark_available()), 20);
    check_reemit(&file);
    let first = read_packets(&file).remove(0);
    let frame = SvFrameRepr::parse(&first).unwrap();
    assert_eq!(frame.ethernet.vlan.unwrap().vid, 10);
    let asdu = frame.pdu.asdus.get(4).unwrap().unwrap();
    assert_eq!(
        (asdu.sv_id, asdu.smp_cnt, asdu.seq_data.len()),
        ("XJPA_MU0001", 27224, 96)
    );
}

#[test]
fn wrong_length_capture_is_reported_not_decoded() {
    let Some(dir) = shared_captures() else { return };
    let file = dir.join("sv/IEC61850_SV.pcap");
    let frames = read_packets(&file);
    assert_eq!(frames.len(), 10);
    for bytes in &frames {
        let err = SvFrameRepr::parse(bytes).unwrap_err();
        assert_eq!(
            err,
            SvError::LengthField {
                declared: 104,
                actual: 108
            }
        );
        assert!(err.to_string().contains("Length field"), "{err}");
    }
    if common::tshark_available() {
        // tshark flags every frame of this file too.
        assert_eq!(common::tshark_error_frames(&file).len(), 10);
    }
}
