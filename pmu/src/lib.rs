//! IEEE C37.118 synchrophasors for gridhil.
#![forbid(unsafe_code)]

pub mod codec;
pub mod estimator;
