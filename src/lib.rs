//! The gridhil program as a library: the one place where every node and hook type of this
//! build is registered ([`registry::build`]), used by the command line and by the tests
//! that go over every type (the compliance harness).

pub mod registry;
