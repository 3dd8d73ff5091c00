//! End-to-end tests of the hooks from `gridhil-hooks`: the real `gridhil` binary runs
//! configurations in virtual time, and the results in the HDF5 run log are checked by an
//! independent reader (numpy, `scripts/*.py`).

mod measurements;
mod shaping;
