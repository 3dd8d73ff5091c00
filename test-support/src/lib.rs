//! Helpers shared by gridhil's tests (a dev-only crate, never published).
//!
//! [`alloc`] holds the counting global allocator that the "does not allocate" tests of the
//! workspace install in their test binaries; [`net`] free ports and veth pairs.

pub mod alloc;
pub mod net;
