//! End-to-end tests of scenarios and `gridhil test`: the real binary on real scenario files
//! over the built-in feeder, its exit codes, its JUnit and JSON reports, and the assertion
//! verdicts against an independent numpy evaluation of the run log.

mod bad_input;
mod conditional;
mod determinism;
mod every_kind;
mod failing;
mod replay;
mod suite;
mod support;
