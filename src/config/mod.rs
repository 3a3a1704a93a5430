//! tug.yaml: the serde model, loading with located errors, validation and layering.
//!
//! Sections live in their own files (`config/<section>.rs`), each owned by the engine that reads
//! it; this module ties them into [`Config`]. Values that need semantic validation with a
//! location are `Spanned<T>` (with `#[schemars(with = "T")]`), and each section has a
//! `validate(&self, v: &mut Validator)` that reports problems at `spanned.referenced`.

pub mod diag;

pub use diag::{Diagnostic, Location, Severity, Spanned, Validator};
