//! The peers of the commanded UDP server that have turned data on, with when each was
//! last heard from on the engine's monotonic clock (time comes in as an argument).

use gridhil_engine::units::Nanos;
use std::net::SocketAddr;

/// Most peers served at once; a "data on" from one more is refused.
pub const MAX_PEERS: usize = 64;

/// What a "data on" did to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new peer.
    New,
    /// The peer was already there (its time of last contact is refreshed).
    Known,
    /// The table is full.
    Refused,
}

/// Commanded UDP peers that receive data frames, with the time each last sent something.
#[derive(Debug, Default)]
pub struct UdpPeers {
    peers: Vec<(SocketAddr, Nanos)>,
}

impl UdpPeers {
    /// An empty table with room for [`MAX_PEERS`].
    pub fn new() -> Self {
        UdpPeers {
            peers: Vec::with_capacity(MAX_PEERS),
        }
    }

    /// "Data on" from `addr` at `now`.
    pub fn data_on(&mut self, addr: SocketAddr, now: Nanos) -> Added {
        if self.touch(addr, now) {
            return Added::Known;
        }
        if self.peers.len() >= MAX_PEERS {
            return Added::Refused;
        }
        self.peers.push((addr, now));
        Added::New
    }

    /// "Data off" from `addr`: it gets no more data frames.
    pub fn data_off(&mut self, addr: SocketAddr) {
        self.peers.retain(|(a, _)| *a != addr);
    }

    /// Any frame from `addr` at `now` shows it is still there. Returns whether it is
    /// a peer.
    pub fn touch(&mut self, addr: SocketAddr, now: Nanos) -> bool {
        match self.peers.iter_mut().find(|(a, _)| *a == addr) {
            Some((_, seen)) => {
                *seen = now;
                true
            }
            None => false,
        }
    }

    /// Forgets the peers that have sent nothing for `timeout` ns; returns how many.
    pub fn expire(&mut self, now: Nanos, timeout: Nanos) -> usize {
        let before = self.peers.len();
        self.peers
            .retain(|(_, seen)| now.saturating_sub(*seen) < timeout);
        before - self.peers.len()
    }

    /// The addresses data frames go to.
    pub fn addresses(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.peers.iter().map(|(a, _)| *a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::units::NANOS_PER_SEC;

    fn addr(port: u16) -> SocketAddr {
        ([127, 0, 0, 1], port).into()
    }

    #[test]
    fn data_on_and_off() {
        let mut peers = UdpPeers::new();
        let t = 1_000 * NANOS_PER_SEC;
        assert_eq!(peers.data_on(addr(1), t), Added::New);
        assert_eq!(peers.data_on(addr(1), t), Added::Known);
        assert_eq!(peers.data_on(addr(2), t), Added::New);
        assert_eq!(peers.addresses().count(), 2);
        peers.data_off(addr(1));
        assert_eq!(peers.addresses().collect::<Vec<_>>(), [addr(2)]);
        peers.data_off(addr(9));
        assert_eq!(peers.addresses().count(), 1);
    }

    #[test]
    fn the_table_is_bounded() {
        let mut peers = UdpPeers::new();
        let t = 1_000 * NANOS_PER_SEC;
        for port in 0..MAX_PEERS as u16 {
            assert_eq!(peers.data_on(addr(port + 1), t), Added::New);
        }
        assert_eq!(peers.data_on(addr(9999), t), Added::Refused);
        assert_eq!(peers.data_on(addr(1), t), Added::Known);
    }

    #[test]
    fn silent_peers_are_forgotten() {
        let mut peers = UdpPeers::new();
        let t0 = 1_000 * NANOS_PER_SEC;
        peers.data_on(addr(1), t0);
        peers.data_on(addr(2), t0);
        let later = t0 + 30 * NANOS_PER_SEC;
        assert!(peers.touch(addr(2), later));
        assert!(!peers.touch(addr(3), later));
        let now = t0 + 40 * NANOS_PER_SEC;
        assert_eq!(peers.expire(now, 20 * NANOS_PER_SEC), 1);
        assert_eq!(peers.addresses().collect::<Vec<_>>(), [addr(2)]);
    }
}
