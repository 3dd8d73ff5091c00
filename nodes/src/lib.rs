//! gridhil general nodes.
