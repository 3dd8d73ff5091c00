//! `pmu-server` transport modes and multi-PMU streams, end to end with the real binary:
//! a stream of three PMU blocks (`examples/pmu-server-multi.toml`) read over commanded
//! UDP by our own codec and checked by tshark on a capture of the exchange, read by
//! pypmu's PDC (a third-party implementation) over TCP, served in TCP-config/UDP-data
//! mode; and a 240 frames/s stream whose FRACSEC follows the 1/240 s grid exactly.
//! In process, a counting allocator shows that the path thread running the `pmu` hook
//! and the multi-PMU writer allocates nothing.

use gridhil_pmu::codec::{
    Command, CommandCode, Config, FrameHeader, FrameSplitter, Payload, StreamDecoder,
};
use gridhil_test_support::alloc::{allocations, CountingAllocator};
use gridhil_test_support::pcap::PcapWriter;
use gridhil_test_support::prelude::{
    connect_tcp, free_tcp_port, free_udp_port, repo, venv_python, ChildGuard,
};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, UdpSocket};
use std::path::Path;
use std::process::Command as Process;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counts allocations on threads the engine marked real-time (path workers, readers);
/// the other tests of this file run the binary in child processes and are not counted.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(gridhil_engine::is_rt_thread);

/// The multi-PMU example on free ports: `tcp`, `udp_listen`, `tcp_udp` and the UDP port
/// TCP-config/UDP-data clients get their data on.
fn start_multi(
    tcp: u16,
    udp_listen: u16,
    tcp_udp: u16,
    data_port: u16,
    extra: &[&str],
) -> ChildGuard {
    let mut sets = vec![
        format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\""),
        format!("nodes.pmu.udp_listen=\"127.0.0.1:{udp_listen}\""),
        format!("nodes.pmu.tcp_udp=\"127.0.0.1:{tcp_udp}\""),
        format!("nodes.pmu.tcp_udp_data={data_port}"),
    ];
    sets.extend(extra.iter().map(|s| s.to_string()));
    ChildGuard::gridhil_run(&repo("examples/pmu-server-multi.toml"), "6s", &sets)
}

/// A command frame.
fn command(code: CommandCode) -> Vec<u8> {
    let command = Command::new(code);
    let mut buf = vec![0; command.buffer_len()];
    let n = command
        .encode(&FrameHeader::new(10, 0, 0), &mut buf)
        .unwrap();
    buf.truncate(n);
    buf
}

/// Checks a CFG-2 against the example: stream IDCODE 10, three PMU blocks.
fn check_multi_config(cfg: &Config) {
    assert_eq!(cfg.pmus.len(), 3, "NUM_PMU");
    let blocks: Vec<(u16, String, usize)> = cfg
        .pmus
        .iter()
        .map(|p| (p.idcode, p.station.trimmed(), p.phasors.len()))
        .collect();
    assert_eq!(
        blocks,
        [
            (11, "FEEDER-V".to_string(), 4),
            (12, "FEEDER-I".to_string(), 4),
            (13, "FEEDER-SEQ".to_string(), 2),
        ]
    );
    assert!(cfg.pmus[1].phasors.iter().all(|p| p.unit.is_current()));
    assert!(!cfg.pmus[2].phasors[0].unit.is_current() && cfg.pmus[2].phasors[1].unit.is_current());
    assert_eq!((cfg.time_base, cfg.data_rate), (1_000_000, 50));
}

/// Checks the values of a data frame of the example: 230 V, 100 A, 50 Hz in every block.
fn check_multi_data(decoder: &StreamDecoder, data: &gridhil_pmu::codec::DataFrame) {
    let layout = decoder.layout().expect("a configuration before data");
    assert_eq!(data.pmus.len(), 3);
    let expected: [&[f64]; 3] = [
        &[230.0, 230.0, 230.0, 230.0],
        &[100.0, 100.0, 100.0, 100.0],
        &[230.0, 100.0],
    ];
    for ((block, pmu_layout), magnitudes) in data.pmus.iter().zip(&layout.pmus).zip(expected) {
        assert!(block.stat.is_valid());
        let v = block.values(pmu_layout);
        let got: Vec<f64> = v.phasors.iter().map(|p| p.magnitude()).collect();
        assert_eq!(got.len(), magnitudes.len());
        for (g, e) in got.iter().zip(magnitudes) {
            assert!((g - e).abs() < 0.003 * e, "{got:?} vs {magnitudes:?}");
        }
        assert!((v.frequency_hz - 50.0).abs() < 0.01, "{v:?}");
    }
}

/// Runs tshark's synphasor dissector on `pcap` (server on UDP `port`) and returns one
/// row of tab-separated `fields` per synphasor frame.
fn tshark_rows(pcap: &Path, port: u16, fields: &[&str]) -> Vec<Vec<String>> {
    let decode_as = format!("udp.port=={port},synphasor");
    gridhil_test_support::tshark::fields(pcap, &[&decode_as], "synphasor", fields)
}

/// Commanded UDP: a client sends its commands by datagram to `udp_listen`, gets CFG-2,
/// then data frames of three PMU blocks after "data on", and none after "data off".
/// tshark reads the same exchange from a capture.
#[test]
fn multi_pmu_stream_over_commanded_udp() {
    let (tcp, udp_listen, tcp_udp) = (free_tcp_port(), free_udp_port(), free_tcp_port());
    let server = start_multi(tcp, udp_listen, tcp_udp, free_udp_port(), &[]);
    let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    client.connect((Ipv4Addr::LOCALHOST, udp_listen)).unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let client_port = client.local_addr().unwrap().port();
    let mut exchange: Vec<(bool, Vec<u8>)> = Vec::new();
    let send = |code: CommandCode, exchange: &mut Vec<(bool, Vec<u8>)>| {
        let frame = command(code);
        // Before the server has bound its socket the datagram may be refused: harmless.
        let _ = client.send(&frame);
        exchange.push((true, frame));
    };
    let mut decoder = StreamDecoder::new();
    let mut buf = [0u8; 4096];

    // Ask for CFG-2 until the server is up and answers.
    let start = Instant::now();
    let cfg = loop {
        assert!(start.elapsed() < Duration::from_secs(20), "no CFG-2 by UDP");
        send(CommandCode::SendConfig2, &mut exchange);
        match client.recv(&mut buf) {
            Ok(n) => {
                let repr = decoder.decode(&buf[..n]).expect("valid CFG-2");
                exchange.push((false, buf[..n].to_vec()));
                match repr.payload {
                    Payload::Config2(cfg) => break cfg,
                    other => panic!("expected CFG-2, got {other:?}"),
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(e) => panic!("recv: {e}"),
        }
    };
    // Answers to repeated requests that were still on their way are dropped below.
    check_multi_config(&cfg);

    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    send(CommandCode::SendHeader, &mut exchange);
    send(CommandCode::DataOn, &mut exchange);
    let mut stamps = Vec::new();
    let mut header = String::new();
    while stamps.len() < 50 {
        let n = client.recv(&mut buf).expect("data frames by UDP");
        let repr = decoder.decode(&buf[..n]).expect("valid frame");
        match &repr.payload {
            Payload::Config2(_) => continue,
            Payload::Header(h) => header = h.text(),
            Payload::Data(data) => {
                assert_eq!(repr.header.idcode, 10, "stream IDCODE");
                check_multi_data(&decoder, data);
                stamps.push(repr.header.unix_nanos(1_000_000));
            }
            other => panic!("unexpected frame {other:?}"),
        }
        exchange.push((false, buf[..n].to_vec()));
    }
    assert!(header.contains("FEEDER-SEQ"), "header: {header}");
    for pair in stamps.windows(2) {
        assert_eq!(pair[1] - pair[0], 20_000_000, "gap in FRACSEC");
    }

    // "Data off", then a CFG-1 request: after its answer, no data frame may come.
    send(CommandCode::DataOff, &mut exchange);
    send(CommandCode::SendConfig1, &mut exchange);
    loop {
        let n = client.recv(&mut buf).expect("CFG-1 after data off");
        let repr = decoder.decode(&buf[..n]).expect("valid frame");
        exchange.push((false, buf[..n].to_vec()));
        if let Payload::Config1(cfg) = repr.payload {
            check_multi_config(&cfg);
            break;
        }
    }
    client
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    match client.recv(&mut buf) {
        Ok(n) => panic!("a frame after data off: {:?}", decoder.decode(&buf[..n])),
        Err(e) => assert!(matches!(
            e.kind(),
            ErrorKind::WouldBlock | ErrorKind::TimedOut
        )),
    }
    let output = server.finish();
    assert!(output.contains("udp_peers_added 1"), "{output}");

    if !gridhil_test_support::tshark::available() {
        gridhil_test_support::skip("tshark not installed (the capture check needs it)");
        return;
    }
    let mut pcap = PcapWriter::new();
    for (from_client, frame) in &exchange {
        if *from_client {
            pcap.udp_datagram(client_port, udp_listen, frame);
        } else {
            pcap.udp_datagram(udp_listen, client_port, frame);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("multi.pcap");
    pcap.save(&file);
    let rows = tshark_rows(
        &file,
        udp_listen,
        &[
            "synphasor.frtype",
            "synphasor.idcode_stream_source",
            "synphasor.checksum.status",
            "synphasor.conf.numpmu",
            "synphasor.num_phasors",
            "synphasor.idcode_data_source",
            "synphasor.actual_frequency_value",
        ],
    );
    assert_eq!(
        rows.len(),
        exchange.len(),
        "tshark sees every frame: {rows:?}"
    );
    assert!(rows.iter().all(|r| r[1] == "10" && r[2] == "1"), "{rows:?}");
    // CFG-1 (0x0002) and CFG-2 (0x0003): three blocks, 4 + 4 + 2 phasors.
    let configs: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0] == "0x0002" || r[0] == "0x0003")
        .collect();
    assert!(configs.len() >= 2, "{rows:?}");
    for row in configs {
        assert_eq!(
            (row[3].as_str(), row[4].as_str()),
            ("3", "4;4;2"),
            "{row:?}"
        );
        assert_eq!(row[5], "11;12;13", "{row:?}");
    }
    let data: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "0x0000").collect();
    assert_eq!(data.len(), 50, "{rows:?}");
    for row in data {
        let freqs: Vec<f64> = row[6].split(';').map(|f| f.parse().unwrap()).collect();
        assert_eq!(freqs.len(), 3, "{row:?}");
        assert!(freqs.iter().all(|f| (f - 50.0).abs() < 0.01), "{row:?}");
    }
    check_stations_and_phasors_in_tshark_text(&file, udp_listen);
}

/// tshark's detailed view of every data frame: the blocks' station names in order and
/// their phasor magnitudes (station names and phasors have no filterable fields).
fn check_stations_and_phasors_in_tshark_text(pcap: &Path, port: u16) {
    let out = Process::new("tshark")
        .args(["-n", "-r"])
        .arg(pcap)
        .args(["-d", &format!("udp.port=={port},synphasor")])
        .args(["-O", "synphasor", "-V"])
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let frames: Vec<&str> = text.split("Data Frame [correct]").skip(1).collect();
    assert_eq!(frames.len(), 50, "{text}");
    for frame in frames {
        // Up to the next frame's start.
        let frame = frame.split("\nFrame ").next().unwrap_or(frame);
        let stations: Vec<&str> = frame
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Station: \""))
            .map(|s| s.trim_end_matches('"').trim())
            .collect();
        assert_eq!(stations, ["FEEDER-V", "FEEDER-I", "FEEDER-SEQ"], "{frame}");
        let magnitudes: Vec<f64> = frame
            .lines()
            .filter(|l| l.trim().starts_with("Phasor #"))
            .map(|l| {
                let value = l.split("\",").nth(1).unwrap_or("").trim();
                let end = value.find(['V', 'A']).unwrap_or(value.len());
                value[..end].trim().parse().unwrap()
            })
            .collect();
        let expected = [
            230.0, 230.0, 230.0, 230.0, 100.0, 100.0, 100.0, 100.0, 230.0, 100.0,
        ];
        assert_eq!(magnitudes.len(), expected.len(), "{frame}");
        for (m, e) in magnitudes.iter().zip(expected) {
            assert!((m - e).abs() < 0.003 * e, "{magnitudes:?}");
        }
    }
}

/// TCP-config/UDP-data: commands and CFG-2 over TCP; after "data on" the data frames
/// come by UDP to the configured port at the client's address, none over TCP.
#[test]
fn tcp_config_udp_data() {
    let data_rx = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let data_port = data_rx.local_addr().unwrap().port();
    let tcp_udp = free_tcp_port();
    let server = start_multi(free_tcp_port(), free_udp_port(), tcp_udp, data_port, &[]);
    let mut stream = connect_tcp(tcp_udp);
    stream
        .write_all(&command(CommandCode::SendConfig2))
        .unwrap();
    stream.write_all(&command(CommandCode::DataOn)).unwrap();

    let mut decoder = StreamDecoder::new();
    let mut splitter = FrameSplitter::new(65_535);
    let mut buf = [0u8; 4096];
    let mut tcp_frames = Vec::new();
    while tcp_frames.is_empty() {
        let n = stream.read(&mut buf).expect("CFG-2 over TCP");
        assert!(n > 0, "pmu-server closed the connection");
        splitter.feed(&buf[..n], |f| tcp_frames.push(f.to_vec()));
    }
    match decoder.decode(&tcp_frames[0]).expect("valid CFG-2").payload {
        Payload::Config2(cfg) => check_multi_config(&cfg),
        other => panic!("expected CFG-2 over TCP, got {other:?}"),
    }

    data_rx
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut stamps = Vec::new();
    while stamps.len() < 25 {
        let n = data_rx.recv(&mut buf).expect("data frames by UDP");
        let repr = decoder.decode(&buf[..n]).expect("valid data frame");
        let Payload::Data(data) = &repr.payload else {
            panic!("only data frames by UDP, got {:?}", repr.payload);
        };
        check_multi_data(&decoder, data);
        stamps.push(repr.header.unix_nanos(1_000_000));
    }
    assert!(stamps.windows(2).all(|p| p[1] - p[0] == 20_000_000));

    // Data off, then CFG-1: everything sent by UDP before that answer is already in
    // the receive buffer (loopback); nothing comes after it.
    stream.write_all(&command(CommandCode::DataOff)).unwrap();
    stream
        .write_all(&command(CommandCode::SendConfig1))
        .unwrap();
    let mut more = Vec::new();
    while !more
        .iter()
        .any(|f: &Vec<u8>| f.get(1).is_some_and(|b| (b >> 4) & 0x7 == 2))
    {
        let n = stream.read(&mut buf).expect("CFG-1 over TCP");
        assert!(n > 0, "pmu-server closed the connection");
        splitter.feed(&buf[..n], |f| more.push(f.to_vec()));
    }
    for frame in &more {
        let repr = decoder.decode(frame).expect("valid frame");
        assert!(
            matches!(repr.payload, Payload::Config1(_)),
            "only configuration frames over TCP: {:?}",
            repr.payload
        );
    }
    data_rx.set_nonblocking(true).unwrap();
    while data_rx.recv(&mut buf).is_ok() {}
    data_rx.set_nonblocking(false).unwrap();
    data_rx
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    assert!(
        data_rx.recv(&mut buf).is_err(),
        "a data frame after data off"
    );
    drop(stream);
    let output = server.finish();
    assert!(output.contains("clients_accepted 1"), "{output}");
}

#[test]
fn multi_pmu_stream_read_by_pypmu_pdc() {
    let Some(python) = venv_python() else {
        gridhil_test_support::skip("no .venv with pypmu (run setup.sh)");
        return;
    };
    let script = gridhil_test_support::python::script("tests/pmu/peers/pypmu_multi_pdc.py");
    let tcp = free_tcp_port();
    // pypmu reads float FREQ as a deviation from nominal: integer FREQ.
    let server = start_multi(
        tcp,
        free_udp_port(),
        free_tcp_port(),
        free_udp_port(),
        &["nodes.pmu.format.freq=\"int\""],
    );
    let output = Process::new(python)
        .arg(&script)
        .arg(tcp.to_string())
        .output()
        .expect("run python");
    let server_output = server.finish();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pypmu PDC failed:\n{stdout}\n{}\nserver:\n{server_output}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{stdout}");
    assert_eq!(
        lines[0],
        r#"{"cfg": [10, 3, ["FEEDER-V", "FEEDER-I", "FEEDER-SEQ"], [11, 12, 13], [4, 4, 2], [["va", "vb", "vc", "v1"], ["ia", "ib", "ic", "i1"], ["v1", "i1"]]]}"#
    );
    for line in &lines[1..] {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let blocks = value["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 3, "{line}");
        let expected = [(11, 230.0, 4), (12, 100.0, 4), (13, 0.0, 2)];
        for (block, (id, magnitude, n)) in blocks.iter().zip(expected) {
            assert_eq!(block[0], id, "{line}");
            assert_eq!(block[1], "ok", "{line}");
            let phasors: Vec<f64> = block[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_f64().unwrap())
                .collect();
            assert_eq!(phasors.len(), n, "{line}");
            if id == 13 {
                assert!((phasors[0] - 230.0).abs() < 0.7 && (phasors[1] - 100.0).abs() < 0.3);
            } else {
                assert!(
                    phasors
                        .iter()
                        .all(|m| (m - magnitude).abs() < 0.003 * magnitude),
                    "{line}"
                );
            }
            assert!((block[3].as_f64().unwrap() - 50.0).abs() < 0.01, "{line}");
        }
    }
}

#[test]
fn pypmu_frames_over_commanded_udp_and_tcp_config_udp_data() {
    let Some(python) = venv_python() else {
        gridhil_test_support::skip("no .venv with pypmu (run setup.sh)");
        return;
    };
    let script = gridhil_test_support::python::script("tests/pmu/peers/pypmu_udp_modes.py");
    let (udp_listen, tcp_udp, data_port) = (free_udp_port(), free_tcp_port(), free_udp_port());
    let server = start_multi(
        free_tcp_port(),
        udp_listen,
        tcp_udp,
        data_port,
        &["nodes.pmu.format.freq=\"int\""],
    );
    let output = Process::new(python)
        .arg(&script)
        .args([udp_listen, tcp_udp, data_port].map(|p| p.to_string()))
        .output()
        .expect("run python");
    let server_output = server.finish();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pypmu client failed:\n{stdout}\n{}\nserver:\n{server_output}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (line, mode) in lines.iter().zip(["udp", "tcp_udp"]) {
        assert_eq!(line["mode"], mode);
        assert_eq!(line["num_pmu"], 3, "{line}");
        assert_eq!(line["ids"], serde_json::json!([11, 12, 13]), "{line}");
        assert_eq!(
            line["stations"],
            serde_json::json!(["FEEDER-V", "FEEDER-I", "FEEDER-SEQ"]),
            "{line}"
        );
        let frames = line["frames"].as_array().unwrap();
        assert_eq!(frames.len(), 10, "{line}");
        let stamps: Vec<u64> = frames.iter().map(|f| f[0].as_u64().unwrap()).collect();
        assert!(stamps.windows(2).all(|p| p[1] - p[0] == 20_000), "{line}");
        for frame in frames {
            let blocks = frame[1].as_array().unwrap();
            assert_eq!(blocks.len(), 3, "{line}");
            for (block, id) in blocks.iter().zip([11, 12, 13]) {
                assert_eq!(block[0], id, "{line}");
                assert_eq!(block[1], "ok", "{line}");
                assert!((block[2].as_f64().unwrap() - 50.0).abs() < 0.01, "{line}");
            }
        }
    }
    assert!(
        server_output.contains("udp_peers_added 1"),
        "{server_output}"
    );
}

/// 240 frames/s: 12 kHz samples → `pmu` hook (60 Hz, P class, 240 frames/s) →
/// `pmu-server`. FRACSEC (TIME_BASE 1 000 000) is the 1/240 s grid rounded to the
/// microsecond: 0, 4167, 8333, 12500, … — every report exactly one grid step after the
/// previous one, none twice, and the second rolls over after 240 reports.
#[test]
fn stream_at_240_frames_per_second() {
    let tcp = free_tcp_port();
    let dir = tempfile::tempdir().unwrap();
    let config = gridhil_test_support::process::write_config(
        dir.path(),
        "fast.toml",
        &format!(
            r#"
[nodes.gen]
type = "signal"
rate = "12kHz"
signals = [{{ name = "va", waveform = "cosine", amplitude = 100, frequency = 60, phase = 0, unit = "V" }}]

[nodes.pmu]
type = "pmu-server"
idcode = 240
station = "FAST"
tcp = "127.0.0.1:{tcp}"
nominal = "60Hz"
rate = 240

[[paths]]
name = "pmu"
in = ["gen"]
out = ["pmu"]
hooks = [{{ type = "pmu", class = "P", nominal = "60Hz", rate = 240, sample_rate = "12kHz", voltages = ["va"] }}]
"#
        ),
    );
    let server = ChildGuard::gridhil_run(&config, "5s", &[]);
    let mut stream = connect_tcp(tcp);
    stream
        .write_all(&command(CommandCode::SendConfig2))
        .unwrap();
    stream.write_all(&command(CommandCode::DataOn)).unwrap();
    let mut decoder = StreamDecoder::new();
    let mut splitter = FrameSplitter::new(65_535);
    let mut buf = [0u8; 8192];
    let mut grid = Vec::new();
    while grid.len() < 500 {
        let n = stream.read(&mut buf).expect("read from pmu-server");
        assert!(n > 0, "pmu-server closed the connection early");
        let mut frames = Vec::new();
        splitter.feed(&buf[..n], |f| frames.push(f.to_vec()));
        for frame in frames {
            let repr = decoder.decode(&frame).expect("valid frame");
            match &repr.payload {
                Payload::Config2(cfg) => {
                    assert_eq!((cfg.time_base, cfg.data_rate), (1_000_000, 240));
                }
                Payload::Data(data) => {
                    let layout = &decoder.layout().unwrap().pmus[0];
                    let v = data.pmus[0].values(layout);
                    assert!((v.phasors[0].magnitude() - 70.711).abs() < 0.1, "{v:?}");
                    assert!((v.frequency_hz - 60.0).abs() < 0.01, "{v:?}");
                    let fraction = u64::from(repr.header.fracsec.fraction);
                    // The report index within the second this fraction rounds from.
                    let k = (fraction * 240 + 500_000) / 1_000_000;
                    assert!(k < 240, "fraction {fraction}");
                    assert_eq!(
                        fraction,
                        (k * 1_000_000 + 120) / 240,
                        "FRACSEC {fraction} is not k/240 s rounded to the µs"
                    );
                    grid.push(u64::from(repr.header.soc) * 240 + k);
                }
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }
    for pair in grid.windows(2) {
        assert_eq!(
            pair[1],
            pair[0] + 1,
            "reports not one 1/240 s apart: {pair:?}"
        );
    }
    drop(stream);
    server.finish();
}

/// The multi-PMU example passes `gridhil check`; broken blocks are refused with a
/// message naming the block.
#[test]
fn multi_pmu_example_passes_check_and_bad_blocks_are_refused() {
    let example = repo("examples/pmu-server-multi.toml");
    let ok = gridhil_test_support::process::run(&["check", example.to_str().unwrap()]);
    assert!(
        ok.status.success(),
        "{}",
        gridhil_test_support::process::text(&ok)
    );
    let bad = |pmus: &str| {
        let set = format!("nodes.pmu.pmus={pmus}");
        let out = gridhil_test_support::process::run(&[
            "check",
            example.to_str().unwrap(),
            "--set",
            &set,
        ]);
        assert!(!out.status.success());
        gridhil_test_support::process::text(&out)
    };
    let text =
        bad(r#"[{idcode=1,station="A",signals=["va"]},{idcode=1,station="B",signals=["ia"]}]"#);
    assert!(text.contains("same IDCODE 1"), "{text}");
    let text =
        bad(r#"[{idcode=1,station="A",signals=["va"]},{idcode=2,station="B",signals=["vx"]}]"#);
    assert!(
        text.contains("[nodes.pmu] `pmus[1]`: ")
            && text.contains("IDCODE 2")
            && text.contains("`vx`"),
        "{text}"
    );
    let text = bad(r#"[{idcode=1,station="A",signals=[]}]"#);
    assert!(text.contains("`signals` is empty"), "{text}");
}

/// In process, real time: 10 kHz → `pmu` hook → multi-PMU `pmu-server` (three blocks,
/// every transport on port 0) for one second; the path thread that runs the hook and
/// encodes the three-block data frames allocates nothing.
#[test]
fn multi_pmu_writer_does_not_allocate() {
    let mut registry = gridhil_engine::Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_nodes::register(&mut registry);
    gridhil_pmu::register(&mut registry);
    let example = std::fs::read_to_string(repo("examples/pmu-server-multi.toml")).unwrap();
    let config = example
        .replace("127.0.0.1:4712", "127.0.0.1:0")
        .replace("127.0.0.1:4713", "127.0.0.1:0")
        .replace("127.0.0.1:4714", "127.0.0.1:0");
    let dir = tempfile::tempdir().unwrap();
    let spec = gridhil_engine::load_str(&config, "multi.toml", dir.path(), &[], &registry)
        .expect("the example loads");
    let options = gridhil_engine::RunOptions {
        duration: Some(gridhil_engine::units::parse_duration("1s").unwrap()),
        ..gridhil_engine::RunOptions::default()
    };
    let before = allocations();
    let report = gridhil_engine::run(spec, options, Arc::new(AtomicBool::new(false))).unwrap();
    let counted = allocations() - before;
    let encoded = report
        .nodes
        .iter()
        .find(|n| n.name == "pmu")
        .and_then(|n| n.counters.iter().find(|c| c.name == "frames_encoded"))
        .map(|c| c.value);
    assert!(encoded.is_some_and(|n| n >= 40), "{report:?}");
    assert_eq!(counted, 0, "real-time threads allocated {counted} times");
    // The counter does see allocations made on a thread marked real-time.
    std::thread::spawn(|| {
        gridhil_engine::run::mark_rt_thread(true);
        std::hint::black_box(Vec::<u64>::with_capacity(16));
        gridhil_engine::run::mark_rt_thread(false);
    })
    .join()
    .unwrap();
    assert!(allocations() > before + counted);
}
