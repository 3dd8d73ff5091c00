//! Engine nodes for IEC 60870-5-104: [`server::Iec104ServerConfig`] (`iec104-server`,
//! gridhil as the outstation) and [`client::Iec104ClientConfig`] (`iec104-client`, gridhil
//! as the master), with points and commands ([`points`]) and a network thread each
//! (`outstation.rs`, `station.rs`). See `docs/iec104.md`.

pub mod client;
mod network;
mod outstation;
pub mod points;
pub mod server;
mod station;

pub use outstation::ServerCounters;
pub use station::ClientCounters;
