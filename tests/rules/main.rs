//! Rules checked on the sources: the layout (no import circles, crate dependencies) and the
//! clock discipline (nothing outside the engine reads the OS clock).

mod architecture;
mod clock_discipline;
