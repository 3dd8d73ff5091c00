//! gridhil engine.
