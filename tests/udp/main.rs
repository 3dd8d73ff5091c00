//! UDP end to end: every wire format between two processes, malformed datagrams counted,
//! and the round-trip probe (`gridhil rtt`, the `rtt` node) through echoes.

mod formats;
mod rtt_echo;
mod rtt_gridhil_echo;
mod rtt_node;
