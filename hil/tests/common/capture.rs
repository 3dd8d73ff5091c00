//! A small reader for pcap and pcapng files, and a pcap writer (Ethernet only).

use std::path::Path;

/// Link type of Ethernet.
pub const LINKTYPE_ETHERNET: u32 = 1;

/// Reads every packet of a pcap or pcapng file; panics on files it can't read.
pub fn read_packets(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match data.get(..4) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => read_pcapng(&data),
        Some(_) => read_pcap(&data),
        None => panic!("{}: empty file", path.display()),
    }
}

fn u32_at(data: &[u8], pos: usize, big: bool) -> u32 {
    let b: [u8; 4] = data[pos..pos + 4].try_into().unwrap();
    if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

fn read_pcap(data: &[u8]) -> Vec<Vec<u8>> {
    let magic = u32::from_le_bytes(data[..4].try_into().unwrap());
    let big = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => false,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => true,
        _ => panic!("not a pcap file (magic {magic:08x})"),
    };
    assert_eq!(u32_at(data, 20, big), LINKTYPE_ETHERNET, "link type");
    let mut pos = 24;
    let mut packets = Vec::new();
    while pos + 16 <= data.len() {
        let caplen = u32_at(data, pos + 8, big) as usize;
        pos += 16;
        packets.push(data[pos..pos + caplen].to_vec());
        pos += caplen;
    }
    packets
}

fn read_pcapng(data: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut pos = 0;
    let mut big = false;
    while pos + 12 <= data.len() {
        let block_type = u32_at(data, pos, big);
        if block_type == 0x0a0d_0d0a {
            big = u32::from_le_bytes(data[pos + 8..pos + 12].try_into().unwrap()) != 0x1a2b_3c4d;
        }
        let len = u32_at(data, pos + 4, big) as usize;
        assert!(len >= 12 && pos + len <= data.len(), "bad pcapng block");
        let body = &data[pos + 8..pos + len - 4];
        match block_type {
            1 => {
                let b: [u8; 2] = body[..2].try_into().unwrap();
                let link = if big {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                };
                assert_eq!(u32::from(link), LINKTYPE_ETHERNET, "link type");
            }
            6 => {
                let caplen = u32_at(body, 12, big) as usize;
                packets.push(body[20..20 + caplen].to_vec());
            }
            3 => {
                let orig = u32_at(body, 0, big) as usize;
                let caplen = orig.min(body.len() - 4);
                packets.push(body[4..4 + caplen].to_vec());
            }
            _ => {}
        }
        pos += len;
    }
    packets
}

/// Writes `frames` as a little-endian microsecond pcap with Ethernet link type.
pub fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
    for (i, frame) in frames.iter().enumerate() {
        let usec = 250 * i as u32;
        out.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        out.extend_from_slice(&usec.to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(frame);
    }
    std::fs::write(path, out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// A fresh path in the system temporary folder.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("gridhil-sv-{}-{name}", std::process::id()))
}
