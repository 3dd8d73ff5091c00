//! A `pdc` is deterministic in virtual time: `signal` → `pmu` hook → `pmu-server` read
//! back by `pdc` nodes over TCP, over commanded UDP and over both at once (two
//! connections aligned in one node), in two virtual-time runs of the real binary whose
//! HDF5 logs must agree bit for bit in every dataset and attribute of each pdc path,
//! with a row at every reporting instant.

use gridhil_engine::clock::VIRTUAL_EPOCH_NS;
use gridhil_test_support::prelude::{
    free_tcp_port, free_udp_port, gridhil, node_counter, read_path, text, write_config,
};
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use std::path::Path;

const PHASORS: &str = r#"["va", "vb", "vc", "ia", "ib", "ic", "v1", "i1"]"#;

/// Virtual run length and the pdc's wait window, ms.
const DURATION_MS: i64 = 2_000;
const WAIT_MS: i64 = 50;

fn config(tcp: u16, udp: u16) -> String {
    format!(
        r#"
[nodes.gen]
type = "signal"
rate = "10kHz"
signals = [
  {{ name = "va", waveform = "cosine", amplitude = 325.269, frequency = 50, phase = 0, unit = "V" }},
  {{ name = "vb", waveform = "cosine", amplitude = 325.269, frequency = 50, phase = -120, unit = "V" }},
  {{ name = "vc", waveform = "cosine", amplitude = 325.269, frequency = 50, phase = 120, unit = "V" }},
  {{ name = "ia", waveform = "cosine", amplitude = 141.421, frequency = 50, phase = -30, unit = "A" }},
  {{ name = "ib", waveform = "cosine", amplitude = 141.421, frequency = 50, phase = -150, unit = "A" }},
  {{ name = "ic", waveform = "cosine", amplitude = 141.421, frequency = 50, phase = 90, unit = "A" }},
]

[nodes.pmu]
type = "pmu-server"
idcode = 1
station = "GRIDHIL1"
tcp = "127.0.0.1:{tcp}"
udp_listen = "127.0.0.1:{udp}"
nominal = "50Hz"
rate = 50

[nodes.pdc_tcp]
type = "pdc"
connect = "127.0.0.1:{tcp}"
idcode = 1
wait = "{WAIT_MS}ms"
phasors = {PHASORS}

[nodes.pdc_udp]
type = "pdc"
transport = "udp"
connect = "127.0.0.1:{udp}"
idcode = 1
wait = "{WAIT_MS}ms"
phasors = {PHASORS}

[nodes.pdc_both]
type = "pdc"
wait = "{WAIT_MS}ms"
[[nodes.pdc_both.pmus]]
name = "t"
connect = "127.0.0.1:{tcp}"
idcode = 1
phasors = ["t_va", "t_vb", "t_vc", "t_ia", "t_ib", "t_ic", "t_v1", "t_i1"]
[[nodes.pdc_both.pmus]]
name = "u"
transport = "udp"
connect = "127.0.0.1:{udp}"
idcode = 1
phasors = ["u_va", "u_vb", "u_vc", "u_ia", "u_ib", "u_ic", "u_v1", "u_i1"]

[[paths]]
name = "pmu"
in = ["gen"]
out = ["pmu"]
log = false
hooks = [
  {{ type = "pmu", class = "P", nominal = "50Hz", rate = 50, sample_rate = "10kHz", voltages = ["va", "vb", "vc"], currents = ["ia", "ib", "ic"] }},
]

[[paths]]
name = "tcp"
in = ["pdc_tcp"]

[[paths]]
name = "udp"
in = ["pdc_udp"]

[[paths]]
name = "both"
in = ["pdc_both"]
"#
    )
}

fn run_virtual(config: &Path, log: &Path) {
    let output = gridhil()
        .arg("run")
        .arg(config)
        .args(["--virtual-time", "--duration", &format!("{DURATION_MS}ms")])
        .arg("--log")
        .arg(log)
        .output()
        .expect("start gridhil");
    assert!(output.status.success(), "{}", text(&output));
}

/// The raw bits of a dataset (every element as u64), for a bit-for-bit comparison.
fn dataset_bits(dataset: &hdf5::Dataset) -> Vec<u64> {
    let descriptor = dataset.dtype().unwrap().to_descriptor().unwrap();
    match descriptor {
        TypeDescriptor::Unsigned(IntSize::U8) => dataset.read_raw::<u64>().unwrap(),
        TypeDescriptor::Integer(IntSize::U8) => dataset
            .read_raw::<i64>()
            .unwrap()
            .into_iter()
            .map(|x| x as u64)
            .collect(),
        TypeDescriptor::Float(FloatSize::U8) => dataset
            .read_raw::<f64>()
            .unwrap()
            .into_iter()
            .map(f64::to_bits)
            .collect(),
        other => panic!("{}: type {other:?} not compared", dataset.name()),
    }
}

/// Every dataset (shape and bits) and every attribute of `/paths/<path>` agree.
fn assert_same_path(a: &Path, b: &Path, path: &str) {
    let (fa, fb) = (hdf5::File::open(a).unwrap(), hdf5::File::open(b).unwrap());
    let name = format!("paths/{path}");
    let (ga, gb) = (fa.group(&name).unwrap(), fb.group(&name).unwrap());
    let members = ga.member_names().unwrap();
    assert_eq!(members, gb.member_names().unwrap(), "{path}: datasets");
    assert!(members.len() >= 5, "{path}: {members:?}");
    for member in &members {
        let (da, db) = (ga.dataset(member).unwrap(), gb.dataset(member).unwrap());
        assert_eq!(da.shape(), db.shape(), "{path}/{member}: shape");
        let (xa, xb) = (dataset_bits(&da), dataset_bits(&db));
        if let Some(row) = xa.iter().zip(&xb).position(|(x, y)| x != y) {
            panic!("{path}/{member}: runs differ at element {row}");
        }
    }
    let attrs = ga.attr_names().unwrap();
    assert_eq!(attrs, gb.attr_names().unwrap(), "{path}: attributes");
    for attr in &attrs {
        let read = |g: &hdf5::Group| g.attr(attr).unwrap().read_scalar::<u64>().unwrap();
        assert_eq!(read(&ga), read(&gb), "{path}: attribute {attr}");
    }
}

#[test]
fn a_pdc_reading_a_pmu_server_repeats_bit_for_bit_in_virtual_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "pdc.toml",
        &config(free_tcp_port(), free_udp_port()),
    );
    let (a, b) = (dir.path().join("a.h5"), dir.path().join("b.h5"));
    run_virtual(&config, &a);
    run_virtual(&config, &b);

    let ms = 1_000_000;
    for (path, node) in [("tcp", "pdc_tcp"), ("udp", "pdc_udp"), ("both", "pdc_both")] {
        assert_same_path(&a, &b, path);
        assert_eq!(node_counter(&a, node, "virtual_timeouts"), 0, "{node}");
        let log = read_path(&a, path);
        // A row at every reporting instant from the pmu hook's first report (40 ms:
        // its P-class window of two cycles is full then) whose call (instant + wait)
        // is within the run, none missing.
        let first = 40;
        let rows = (DURATION_MS - WAIT_MS - first) / 20 + 1;
        let expected: Vec<i64> = (0..rows)
            .map(|k| VIRTUAL_EPOCH_NS + (first + 20 * k) * ms)
            .collect();
        assert_eq!(log.ts_origin, expected, "{path}: time stamps");
        assert_eq!(log.seq, (0..rows as u64).collect::<Vec<_>>(), "{path}: seq");
        // Each row is taken at its instant plus the wait window (virtual wall time).
        let taken: Vec<i64> = expected.iter().map(|t| t + WAIT_MS * ms).collect();
        assert_eq!(log.ts_received, taken, "{path}: ts_received");
        for (k, row) in log.values.iter().enumerate() {
            assert!(row.iter().all(|x| x.is_finite()), "{path} row {k}: {row:?}");
        }
        assert_eq!(
            node_counter(&a, node, "partial_rows"),
            0,
            "{node}: no PMU missing in any row"
        );
    }
}
