//! gridhil scenarios: a scenario file names a gridhil configuration, a timeline of actions
//! and assertions over the signals the run logs; the runner behind `gridhil test` runs it
//! (virtual time by default), evaluates the assertions on the log stream, off the real-time
//! path, and reports verdicts (text, JUnit XML, JSON).
//!
//! The pieces, one job each: [`file`] (the schema, with file:line errors), [`check`] (the
//! assertion evaluators: pure functions over `(time, value)` series), [`golden`] (reference
//! run logs), [`record`] (the log tap), [`condition`] (conditional actions), [`execute`] (one
//! engine run), [`resolve`] (names checked before the run), [`verdict`] (assertions on the
//! recording), [`runner`] (one scenario), [`suite`] (discovery and
//! parallel runs), [`report`] (JUnit XML and JSON).

pub mod check;
pub mod condition;
pub mod error;
pub mod execute;
pub mod file;
pub mod golden;
pub mod record;
pub mod report;
pub mod resolve;
pub mod result;
pub mod runner;
pub mod series;
pub mod suite;
pub mod verdict;

pub use error::ScenarioError;
pub use file::Scenario;
pub use result::{ScenarioResult, Status};
pub use series::Series;
