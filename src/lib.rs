//! tug: release engineering in one binary (build, sign, publish, roll out, roll back).
//!
//! The binary (`src/main.rs`) only parses arguments, calls [`commands::run`] and maps the result to
//! an exit code. Everything else lives here so that it can be unit-tested as a library.

pub mod attest;
pub mod build;
pub mod checks;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod config;
pub mod deploy;
pub mod error;
pub mod fsutil;
pub mod generate;
pub mod git;
pub mod gomod;
pub mod logging;
pub mod manifest;
pub mod notify;
pub mod publish;
pub mod redact;
pub mod sign;
pub mod template;
pub mod ui;

pub use error::{Error, ExitCode};
