//! Built-in three-phase electromagnetic-transient (EMT) grid simulator.
//!
//! A network is read from a TOML file into a [`NetworkModel`], then a
//! [`Simulator`] advances it in fixed steps with trapezoidal integration and
//! nodal analysis. All memory is allocated in [`Simulator::new`];
//! [`Simulator::step`] never allocates. See `docs/gridsim.md`.
//!
//! ```
//! use gridhil_gridsim::{NetworkModel, SimOptions, Simulator};
//! let text = r#"
//! [buses.b1]
//! voltage = "400V"
//! [sources.grid]
//! bus = "b1"
//! voltage = "400V"
//! [loads.ld]
//! bus = "b1"
//! p = "10kW"
//! "#;
//! let model = NetworkModel::from_toml_str(text, "inline.toml").unwrap();
//! let mut sim = Simulator::new(&model, SimOptions::default()).unwrap();
//! sim.step().unwrap();
//! let va = sim.output_index("b1.va").unwrap();
//! assert!(sim.outputs()[va].abs() <= 400.0 * (2.0f64 / 3.0).sqrt() + 1e-9);
//! ```

#![warn(missing_docs)]

mod error;
mod event;
mod model;
mod sim;

pub use error::{ModelError, SimError};
pub use event::{Event, EventAction, Switching};
pub use model::NetworkModel;
pub use sim::{SimOptions, Simulator, Start};
