//! Shared helpers of the codec integration tests: locating ../shared, a small
//! pcap/pcapng reader, Ethernet/IPv4/TCP/UDP dissection, per-direction TCP
//! reassembly feeding the frame splitter, and a PDML reader for tshark output.
#![allow(dead_code)]

pub mod capture;
pub mod pdml;

use std::path::PathBuf;

/// `<workspace root>/../shared`, or `None` (the test skips, saying why).
pub fn shared_dir(_test: &str) -> Option<PathBuf> {
    gridhil_test_support::process::shared_dir()
}

/// True if tshark runs (otherwise the test skips, saying why).
pub fn have_tshark(_test: &str) -> bool {
    gridhil_test_support::tshark::available()
}

/// One capture of the C37.118 test set.
#[derive(Debug, Clone, Copy)]
pub struct CaptureSpec {
    /// Path below the shared folder.
    pub path: &'static str,
    /// Ports that carry C37.118 (either side).
    pub ports: &'static [u16],
    /// tshark decode-as option, if the port is not 4712/4713.
    pub decode_as: Option<&'static str>,
    /// Number of C37.118 frames (SOURCES.md / tshark).
    pub frames: usize,
    /// Number of data frames.
    pub data_frames: usize,
    /// Frames with a bad CRC.
    pub bad_crc: usize,
}

const STD: &[u16] = &[4712, 4713];

/// Every capture that carries C37.118, with the counts SOURCES.md gives.
pub const CAPTURES: &[CaptureSpec] = &[
    CaptureSpec {
        path: "captures/c37.118/C37.118_1PMU_TCP.pcap",
        ports: STD,
        decode_as: None,
        frames: 256,
        data_frames: 252,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/C37.118_1PMU_UDP.pcap",
        ports: STD,
        decode_as: None,
        frames: 361,
        data_frames: 356,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/C37.118_2PMUsInSync_TCP.pcap",
        ports: STD,
        decode_as: None,
        frames: 3010,
        data_frames: 3002,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/C37.118_4in1PMU_TCP.pcap",
        ports: STD,
        decode_as: None,
        frames: 1353,
        data_frames: 1342,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/c37_1100_fullclean.pcap",
        ports: STD,
        decode_as: None,
        frames: 426,
        data_frames: 422,
        bad_crc: 0,
    },
    // 426 per tshark + 1 empty (16-byte) header frame that tshark does not dissect.
    CaptureSpec {
        path: "captures/c37.118/c37_1100_clean_tcp.pcap",
        ports: STD,
        decode_as: None,
        frames: 427,
        data_frames: 422,
        bad_crc: 0,
    },
    // 426 per tshark + 1 empty (16-byte) header frame that tshark does not dissect.
    CaptureSpec {
        path: "captures/c37.118/c37118_1100_unclean.pcap",
        ports: STD,
        decode_as: None,
        frames: 427,
        data_frames: 422,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/c37_pmu_clean.pcap",
        ports: STD,
        decode_as: None,
        frames: 4719,
        data_frames: 4704,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/c37_pmu_unclean.pcap",
        ports: STD,
        decode_as: None,
        frames: 4719,
        data_frames: 4704,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/C37.118_1PMU_UDP_minimal.pcap",
        ports: STD,
        decode_as: None,
        frames: 5,
        data_frames: 1,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/c37.118/C37.118_1PMU_UDP_minimal_otherport.pcap",
        ports: &[40713],
        decode_as: Some("udp.port==40713,synphasor"),
        frames: 5,
        data_frames: 1,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/generated-by-peers/c37_udp_14713.pcap",
        ports: &[14713],
        decode_as: Some("udp.port==14713,synphasor"),
        frames: 21,
        data_frames: 20,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/generated-by-peers/pymu_pypmu_14712.pcap",
        ports: &[14712],
        decode_as: Some("tcp.port==14712,synphasor"),
        frames: 9,
        data_frames: 5,
        bad_crc: 0,
    },
    CaptureSpec {
        path: "captures/generated-by-peers/pysynphasor_cmd.pcap",
        ports: STD,
        decode_as: None,
        frames: 1,
        data_frames: 0,
        bad_crc: 1,
    },
];
