//! tug: release engineering in one binary (build, sign, publish, roll out, roll back).
//!
//! The binary (`src/main.rs`) only parses arguments, calls [`commands::run`] and maps the result to
//! an exit code. Everything else lives here so that it can be unit-tested as a library.

pub mod cli;
pub mod config;
pub mod commands;
pub mod deploy;
pub mod error;
pub mod fsutil;
pub mod logging;
pub mod manifest;
pub mod ui;

pub use error::{Error, ExitCode};
