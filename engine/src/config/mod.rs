//! Run configuration: the `[engine]` schema, the validated spec, `--set` overrides, the
//! loader and its errors. Running a configuration is the runtime's job, not this module's.
//!
//! The loader reads the TOML text with spans, applies `--set KEY=VALUE` overrides to the
//! parsed document, and checks everything before anything starts. Every error carries the
//! path of the field it is about; its line is looked up from that path in the text as
//! written, and an error about a value a `--set` gave names that `--set` instead.

mod error;
mod load;
mod locate;
mod overrides;
mod settings;
mod spec;

pub use error::{ConfigError, ErrorOrigin, ErrorPlace};
pub use load::{load_file, load_str};
pub use overrides::{apply_overrides, Override, OverrideError};
pub use settings::{
    EngineSettings, LogCompression, LogSettings, RealtimeSettings, WallClockSetting,
};
pub use spec::{EngineSpec, InputSpec, NodeSpec, PathSpec, Trigger};
