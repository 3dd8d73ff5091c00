//! Decodes every C37.118 capture in ../shared/captures: TCP reassembly per
//! direction, the frame splitter, and the stream decoder. Good captures must
//! decode without a single error and with the frame counts of SOURCES.md.

mod codec_support;

use codec_support::capture::decode_capture;
use codec_support::{shared_dir, CAPTURES};
use gridhil_pmu::codec::{Error, FrameRepr, Payload};

#[test]
fn every_capture_decodes_with_expected_counts() {
    let Some(shared) = shared_dir("every_capture_decodes_with_expected_counts") else {
        return;
    };
    for spec in CAPTURES {
        let bytes = std::fs::read(shared.join(spec.path)).expect("read capture");
        let (frames, discarded) = decode_capture(&bytes, spec.ports);
        let bad_crc = frames
            .iter()
            .filter(|d| matches!(d.result, Err(Error::CrcMismatch { .. })))
            .count();
        let other_errors: Vec<_> = frames
            .iter()
            .filter_map(|d| match &d.result {
                Err(Error::CrcMismatch { .. }) | Ok(_) => None,
                Err(e) => Some((d.packet, e.clone())),
            })
            .collect();
        let data = frames
            .iter()
            .filter(|d| {
                matches!(
                    d.result,
                    Ok(FrameRepr {
                        payload: Payload::Data(_),
                        ..
                    })
                )
            })
            .count();
        assert_eq!(frames.len(), spec.frames, "{}: frame count", spec.path);
        assert_eq!(bad_crc, spec.bad_crc, "{}: CRC errors", spec.path);
        assert!(
            other_errors.is_empty(),
            "{}: errors {other_errors:?}",
            spec.path
        );
        assert_eq!(data, spec.data_frames, "{}: data frames", spec.path);
        assert_eq!(
            discarded, 0,
            "{}: bytes discarded by the splitter",
            spec.path
        );
    }
}

#[test]
fn captured_frames_reencode_byte_exact() {
    let Some(shared) = shared_dir("captured_frames_reencode_byte_exact") else {
        return;
    };
    for spec in CAPTURES {
        let bytes = std::fs::read(shared.join(spec.path)).expect("read capture");
        let (frames, _) = decode_capture(&bytes, spec.ports);
        for d in frames {
            if let Ok(repr) = d.result {
                assert_eq!(repr.buffer_len(), d.bytes.len(), "{}", spec.path);
                let encoded = repr.to_vec().expect("encode");
                assert_eq!(encoded, d.bytes, "{}: packet {}", spec.path, d.packet);
            }
        }
    }
}

#[test]
fn cfg2_spanning_two_segments_is_reassembled() {
    let Some(shared) = shared_dir("cfg2_spanning_two_segments_is_reassembled") else {
        return;
    };
    let bytes =
        std::fs::read(shared.join("captures/c37.118/C37.118_4in1PMU_TCP.pcap")).expect("read");
    let (frames, _) = decode_capture(&bytes, &[4712]);
    let cfgs: Vec<_> = frames
        .iter()
        .filter_map(|d| match &d.result {
            Ok(FrameRepr {
                payload: Payload::Config2(c),
                ..
            }) => Some((d.bytes.len(), c)),
            _ => None,
        })
        .collect();
    assert_eq!(cfgs.len(), 3);
    for (len, cfg) in cfgs {
        assert_eq!(len, 2324);
        let stations: Vec<String> = cfg.pmus.iter().map(|p| p.station.trimmed()).collect();
        assert_eq!(stations, ["PMU1", "PMU2", "PMU3", "PMU4"]);
        let counts: Vec<(usize, usize)> = cfg
            .pmus
            .iter()
            .map(|p| (p.phasors.len(), p.analogs.len()))
            .collect();
        assert_eq!(counts, [(3, 0), (14, 8), (14, 4), (14, 0)]);
        assert_eq!(cfg.data_rate, 50);
        assert_eq!(cfg.ticks_per_second(), 1_000_000);
    }
}

#[test]
fn wrong_crc_capture_reports_crc_errors() {
    let Some(shared) = shared_dir("wrong_crc_capture_reports_crc_errors") else {
        return;
    };
    let bytes = std::fs::read(shared.join("captures/generated-by-peers/pysynphasor_cmd.pcap"))
        .expect("read");
    let (frames, _) = decode_capture(&bytes, &[4712]);
    assert_eq!(frames.len(), 1);
    match &frames[0].result {
        Err(Error::CrcMismatch { received, computed }) => assert_ne!(received, computed),
        other => panic!("expected a CRC error, got {other:?}"),
    }
}
