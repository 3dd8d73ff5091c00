//! Writing pcap files of loopback exchanges, so that tshark can dissect what a test sent and
//! received: each payload in its own IPv4 TCP segment or UDP datagram on 127.0.0.1.

/// A pcap file being written in memory (Ethernet link type, microsecond stamps).
pub struct PcapWriter {
    bytes: Vec<u8>,
    tcp_seq: [u32; 2],
    next_us: u64,
}

impl Default for PcapWriter {
    fn default() -> Self {
        PcapWriter::new()
    }
}

impl PcapWriter {
    /// An empty capture (the global header only).
    pub fn new() -> PcapWriter {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&65_535u32.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
        PcapWriter {
            bytes,
            tcp_seq: [1000, 5000],
            next_us: 1_000_000,
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Writes the capture to `path`.
    pub fn save(&self, path: &std::path::Path) {
        std::fs::write(path, &self.bytes).expect("write pcap");
    }

    /// One TCP segment from port `src` to `dst` at `t_us`; `dir` 0 is client to server and
    /// 1 the way back (each direction keeps its own sequence number).
    pub fn tcp_segment(&mut self, dir: usize, src: u16, dst: u16, payload: &[u8], t_us: u64) {
        let mut tcp = Vec::new();
        tcp.extend_from_slice(&src.to_be_bytes());
        tcp.extend_from_slice(&dst.to_be_bytes());
        tcp.extend_from_slice(&self.tcp_seq[dir].to_be_bytes());
        tcp.extend_from_slice(&self.tcp_seq[1 - dir].to_be_bytes());
        tcp.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        tcp.extend_from_slice(payload);
        self.tcp_seq[dir] = self.tcp_seq[dir].wrapping_add(payload.len() as u32);
        self.ipv4_packet(6, &tcp, t_us);
    }

    /// One UDP datagram from port `src` to `dst`, stamped 100 µs after the previous one.
    pub fn udp_datagram(&mut self, src: u16, dst: u16, payload: &[u8]) {
        let mut udp = Vec::new();
        udp.extend_from_slice(&src.to_be_bytes());
        udp.extend_from_slice(&dst.to_be_bytes());
        udp.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        udp.extend_from_slice(&[0, 0]); // no UDP checksum
        udp.extend_from_slice(payload);
        let t_us = self.next_us;
        self.next_us += 100;
        self.ipv4_packet(17, &udp, t_us);
    }

    fn ipv4_packet(&mut self, protocol: u8, transport: &[u8], t_us: u64) {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        let total = (20 + transport.len()) as u16;
        let mut ip = vec![
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, protocol, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        let sum = ip
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum::<u32>();
        let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(transport);
        self.record(&frame, t_us);
    }

    /// One raw Ethernet frame at `t_us`.
    pub fn record(&mut self, frame: &[u8], t_us: u64) {
        self.bytes
            .extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(frame);
    }
}
