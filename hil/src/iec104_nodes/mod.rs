//! Engine nodes for IEC 60870-5-104: [`server::Iec104ServerConfig`] (`iec104-server`,
//! gridhil as the outstation), with its points and commands ([`points`]) and its network
//! thread. See `docs/iec104.md`.

mod outstation;
pub mod points;
pub mod server;

pub use outstation::ServerCounters;
