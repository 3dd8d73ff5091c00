//! The built-in grid simulator end to end: the feeder example in virtual and real time,
//! set-points through a path, config errors, and gridsim feeding the PMU estimator.

mod node;
mod pmu_hook;
