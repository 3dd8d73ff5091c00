//! Host real-time setup and checks.
