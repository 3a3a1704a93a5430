//! tug's one integration-test binary. Each area has its own module; `harness` starts the real
//! components (Go toolchain, registry, sshd, prometheus) once per test binary and builds fixtures.
//! Each module that needs a real component is gated on the default-on Cargo feature naming it
//! (`test-go`, `test-sshd`, `test-registry`, `test-prometheus`, `test-checkers`, `test-nginx`,
//! `test-haproxy`; see Cargo.toml),
//! so `cargo test --no-default-features` runs the offline half. A test that is compiled in never
//! skips: a missing component is a failure (`harness::require_program`).

mod harness;

#[cfg(all(feature = "test-go", feature = "test-checkers"))]
mod attest;
#[cfg(feature = "test-go")]
mod bluegreen;
#[cfg(feature = "test-go")]
mod build;
#[cfg(feature = "test-go")]
mod checks;
#[cfg(feature = "test-go")]
mod ci;
mod cli;
mod config;
mod config_fuzz;
#[cfg(feature = "test-go")]
mod confirm;
#[cfg(any(feature = "test-checkers", feature = "test-registry"))]
mod cosign;
#[cfg(all(
    feature = "test-go",
    feature = "test-sshd",
    feature = "test-prometheus"
))]
mod deploy;
mod diagnostics;
#[cfg(feature = "test-go")]
mod discovery;
mod environment;
#[cfg(feature = "test-go")]
mod goproxy;
#[cfg(all(feature = "test-go", feature = "test-prometheus"))]
mod notify;
#[cfg(all(feature = "test-go", feature = "test-registry"))]
mod publish;
#[cfg(feature = "test-go")]
mod release;
mod rollback;
mod sign;
#[cfg(feature = "test-go")]
mod tags;
#[cfg(all(feature = "test-go", feature = "test-haproxy"))]
mod traffic;
#[cfg(feature = "test-go")]
mod vendoring;
