//! IEC 61850-9-2 sampled values.
