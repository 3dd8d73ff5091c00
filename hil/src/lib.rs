//! Lab hardware interfaces for gridhil.
#![forbid(unsafe_code)]

pub mod sv;
