//! Compares decoded data frames with an independent decoder's golden output:
//! the Zeek/Spicy icsnpp-synchrophasor baselines (`synchrophasor_data_detail.log`)
//! for the same captures. The logs are sorted, so rows are compared as multisets.

mod codec_support;

use codec_support::capture::decode_capture;
use codec_support::shared_dir;
use gridhil_pmu::codec::{FrameRepr, Payload, RawPhasor, RawValue, Stat};

/// Zeek's rendering of a double: six decimals, trailing zeros trimmed, at least one.
fn zeek(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

fn tf(b: bool) -> &'static str {
    if b {
        "T"
    } else {
        "F"
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "(empty)".into()
    } else {
        v.join(",")
    }
}

fn stat_cols(s: Stat) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        s.trigger_reason,
        s.unlocked_time,
        s.time_quality,
        tf(s.data_modified),
        tf(s.config_change),
        tf(s.trigger),
        tf(s.sorted_by_arrival),
        tf(s.sync_lost),
        s.data_error.bits()
    )
}

fn our_rows(capture: &[u8]) -> Vec<String> {
    let (frames, _) = decode_capture(capture, &[4712, 4713]);
    let mut rows = Vec::new();
    for d in frames {
        let Ok(FrameRepr {
            payload: Payload::Data(data),
            ..
        }) = d.result
        else {
            continue;
        };
        for (idx, pmu) in data.pmus.iter().enumerate() {
            let (mut re, mut im, mut mag, mut ang) = (vec![], vec![], vec![], vec![]);
            for p in &pmu.phasors {
                let (a, b, c, e) = match *p {
                    RawPhasor::FloatRect { re, im } => (f64::from(re), f64::from(im), 0.0, 0.0),
                    RawPhasor::FloatPolar { magnitude, angle } => {
                        (0.0, 0.0, f64::from(magnitude), f64::from(angle))
                    }
                    RawPhasor::IntRect { re, im } => (f64::from(re), f64::from(im), 0.0, 0.0),
                    RawPhasor::IntPolar { magnitude, angle } => {
                        (0.0, 0.0, f64::from(magnitude), f64::from(angle))
                    }
                };
                re.push(zeek(a));
                im.push(zeek(b));
                mag.push(zeek(c));
                ang.push(zeek(e));
            }
            let analogs: Vec<String> = pmu.analogs.iter().map(|a| zeek(a.as_f64())).collect();
            let digitals: Vec<String> = pmu.digitals.iter().map(u16::to_string).collect();
            let freq = match pmu.freq {
                RawValue::Int(v) => f64::from(v),
                RawValue::Float(v) => f64::from(v),
            };
            rows.push(format!(
                "{idx}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                stat_cols(pmu.stat),
                list(&re),
                list(&im),
                list(&mag),
                list(&ang),
                zeek(freq),
                zeek(pmu.dfreq.as_f64()),
                list(&analogs),
                list(&digitals)
            ));
        }
    }
    rows.sort();
    rows
}

fn zeek_rows(log: &str) -> Vec<String> {
    let mut rows: Vec<String> = log
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').skip(10).collect::<Vec<_>>().join("\t"))
        .collect();
    rows.sort();
    rows
}

#[test]
fn data_frames_match_zeek_baselines() {
    let Some(shared) = shared_dir("data_frames_match_zeek_baselines") else {
        return;
    };
    let dir = shared.join("captures/c37.118");
    for (capture, baseline) in [
        ("C37.118_1PMU_TCP.pcap", "analyzer.1PMU_TCP"),
        ("C37.118_1PMU_UDP.pcap", "analyzer.1PMU_UDP"),
        ("C37.118_2PMUsInSync_TCP.pcap", "analyzer.2PMUsInSync_TCP"),
        ("C37.118_4in1PMU_TCP.pcap", "analyzer.4in1PMU_TCP"),
    ] {
        let bytes = std::fs::read(dir.join(capture)).expect("capture");
        let log_path = dir
            .join("icsnpp-synchrophasor-baselines")
            .join(baseline)
            .join("synchrophasor_data_detail.log");
        let log = std::fs::read_to_string(log_path).expect("baseline");
        let ours = our_rows(&bytes);
        let theirs = zeek_rows(&log);
        assert_eq!(ours.len(), theirs.len(), "{capture}: PMU blocks");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{capture}");
        }
    }
}
