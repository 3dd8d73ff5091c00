//! Built-in three-phase electromagnetic-transient (EMT) grid simulator.
