//! tug's one integration-test binary. Each area has its own module; `harness` starts the real
//! components (Go toolchain, registry, sshd, prometheus) once per test binary and builds fixtures.

mod harness;

mod bluegreen;
mod build;
mod checks;
mod cli;
mod config;
mod deploy;
mod environment;
mod publish;
mod release;
mod rollback;
mod sign;
