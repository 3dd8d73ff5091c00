//! pcap / pcapng reading, Ethernet/IPv4/TCP/UDP dissection and per-direction
//! reassembly of C37.118 streams into frames.

use gridhil_pmu::codec::{FrameRepr, FrameSplitter, Result as CodecResult, StreamDecoder};
use std::collections::HashMap;

/// Link-layer packets of a capture file (Ethernet only is expected).
pub fn read_packets(bytes: &[u8]) -> Vec<Vec<u8>> {
    let magic = bytes.get(..4).map(|m| [m[0], m[1], m[2], m[3]]);
    match magic {
        Some([0x0A, 0x0D, 0x0D, 0x0A]) => read_pcapng(bytes),
        _ => read_pcap(bytes),
    }
}

fn u32_at(b: &[u8], at: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

fn read_pcap(b: &[u8]) -> Vec<Vec<u8>> {
    let le = match b.get(..4) {
        Some([0xD4, 0xC3, 0xB2, 0xA1]) | Some([0x4D, 0x3C, 0xB2, 0xA1]) => true,
        Some([0xA1, 0xB2, 0xC3, 0xD4]) | Some([0xA1, 0xB2, 0x3C, 0x4D]) => false,
        other => panic!("not a pcap file: magic {other:?}"),
    };
    assert_eq!(
        u32_at(b, 20, le),
        Some(1),
        "pcap link type must be Ethernet"
    );
    let mut out = Vec::new();
    let mut at = 24;
    while let Some(incl) = u32_at(b, at + 8, le) {
        let start = at + 16;
        let end = start + incl as usize;
        out.push(b.get(start..end).expect("truncated pcap record").to_vec());
        at = end;
    }
    out
}

fn read_pcapng(b: &[u8]) -> Vec<Vec<u8>> {
    let le = u32_at(b, 8, true) == Some(0x1A2B_3C4D);
    let mut out = Vec::new();
    let mut at = 0;
    while let (Some(ty), Some(len)) = (u32_at(b, at, le), u32_at(b, at + 4, le)) {
        let len = len as usize;
        assert!(len >= 12, "bad pcapng block length");
        match ty {
            1 => {
                let link = b.get(at + 8..at + 10).expect("IDB");
                let link = if le {
                    u16::from_le_bytes([link[0], link[1]])
                } else {
                    u16::from_be_bytes([link[0], link[1]])
                };
                assert_eq!(link, 1, "pcapng link type must be Ethernet");
            }
            6 => {
                let caplen = u32_at(b, at + 20, le).expect("EPB") as usize;
                out.push(b.get(at + 28..at + 28 + caplen).expect("EPB data").to_vec());
            }
            _ => {}
        }
        at += len;
    }
    out
}

/// Transport protocol of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// One direction of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// Transport.
    pub proto: Proto,
    /// Source address and port.
    pub src: ([u8; 4], u16),
    /// Destination address and port.
    pub dst: ([u8; 4], u16),
}

/// A transport segment with its payload.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Direction.
    pub key: FlowKey,
    /// TCP sequence number (0 for UDP).
    pub seq: u32,
    /// TCP SYN flag.
    pub syn: bool,
    /// Payload bytes.
    pub payload: Vec<u8>,
}

/// Dissects Ethernet (optionally VLAN-tagged) / IPv4 / TCP or UDP.
pub fn dissect(pkt: &[u8]) -> Option<Segment> {
    let mut at = 12;
    let mut ethertype = u16::from_be_bytes(pkt.get(at..at + 2)?.try_into().ok()?);
    while ethertype == 0x8100 {
        at += 4;
        ethertype = u16::from_be_bytes(pkt.get(at..at + 2)?.try_into().ok()?);
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = pkt.get(at + 2..)?;
    let ihl = usize::from(ip.first()? & 0x0F) * 4;
    let total = usize::from(u16::from_be_bytes(ip.get(2..4)?.try_into().ok()?));
    let ip = ip.get(..total.min(ip.len()))?;
    let proto = *ip.get(9)?;
    let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
    let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
    let l4 = ip.get(ihl..)?;
    let sport = u16::from_be_bytes(l4.get(0..2)?.try_into().ok()?);
    let dport = u16::from_be_bytes(l4.get(2..4)?.try_into().ok()?);
    match proto {
        6 => {
            let seq = u32::from_be_bytes(l4.get(4..8)?.try_into().ok()?);
            let off = usize::from(l4.get(12)? >> 4) * 4;
            let syn = l4.get(13)? & 0x02 != 0;
            Some(Segment {
                key: FlowKey {
                    proto: Proto::Tcp,
                    src: (src, sport),
                    dst: (dst, dport),
                },
                seq,
                syn,
                payload: l4.get(off..)?.to_vec(),
            })
        }
        17 => Some(Segment {
            key: FlowKey {
                proto: Proto::Udp,
                src: (src, sport),
                dst: (dst, dport),
            },
            seq: 0,
            syn: false,
            payload: l4.get(8..)?.to_vec(),
        }),
        _ => None,
    }
}

/// TCP byte stream of one direction, following tshark's behaviour on the
/// captures: segments holding only bytes already seen (retransmissions) are
/// dropped, and a segment that does not start exactly where the stream left
/// off (a segment was not captured, or overlaps) restarts the stream there.
#[derive(Debug, Default)]
struct TcpReassembler {
    next: Option<u32>,
}

impl TcpReassembler {
    /// Appends the new bytes of `seg` to `out`; returns true after a gap.
    fn push(&mut self, seg: &Segment, out: &mut Vec<u8>) -> bool {
        if seg.syn {
            self.next = Some(seg.seq.wrapping_add(1));
        }
        if seg.payload.is_empty() {
            return false;
        }
        let next = *self.next.get_or_insert(seg.seq);
        let end = seg.seq.wrapping_add(seg.payload.len() as u32);
        if end.wrapping_sub(next) as i32 <= 0 {
            return false; // retransmission of bytes already delivered
        }
        out.extend_from_slice(&seg.payload);
        self.next = Some(end);
        seg.seq != next
    }
}

/// One decoded (or failed) frame with its direction.
#[derive(Debug)]
pub struct Decoded {
    /// Direction the frame travelled in.
    pub key: FlowKey,
    /// Index of the packet that completed the frame.
    pub packet: usize,
    /// The frame bytes.
    pub bytes: Vec<u8>,
    /// Decoder result.
    pub result: CodecResult<FrameRepr>,
}

/// Decodes every C37.118 frame of a capture, per direction, with the
/// configuration seen earlier in that direction.
pub fn decode_capture(bytes: &[u8], ports: &[u16]) -> (Vec<Decoded>, u64) {
    let mut flows: HashMap<FlowKey, (TcpReassembler, FrameSplitter, StreamDecoder)> =
        HashMap::new();
    let mut out = Vec::new();
    for (index, pkt) in read_packets(bytes).iter().enumerate() {
        let Some(seg) = dissect(pkt) else { continue };
        if !ports.contains(&seg.key.src.1) && !ports.contains(&seg.key.dst.1) {
            continue;
        }
        let (tcp, splitter, decoder) = flows.entry(seg.key).or_insert_with(|| {
            (
                TcpReassembler::default(),
                FrameSplitter::default(),
                StreamDecoder::new(),
            )
        });
        let mut data = Vec::new();
        match seg.key.proto {
            Proto::Tcp => {
                if tcp.push(&seg, &mut data) {
                    *splitter = FrameSplitter::default();
                }
            }
            Proto::Udp => data = seg.payload.clone(),
        }
        splitter.feed(&data, |frame| {
            out.push(Decoded {
                key: seg.key,
                packet: index,
                bytes: frame.to_vec(),
                result: decoder.decode(frame),
            });
        });
    }
    let discarded = flows.values().map(|(_, s, _)| s.discarded_bytes()).sum();
    (out, discarded)
}
