//! What `gridhil test` writes: one line per scenario and per failed assertion
//! ([`text`]), JUnit XML ([`junit`]) and JSON ([`json`]). Pure formatting of results.

pub mod json;
pub mod junit;
pub mod text;
