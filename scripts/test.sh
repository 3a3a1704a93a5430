#!/usr/bin/env bash
# The whole test suite, as the README documents it and CI (.ci/run) runs it:
# install what the tests need, then formatting, lints and every test (unit and integration, with
# the real Go toolchain, registry, sshd, Prometheus and checkers). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Rust installed by rustup but not on PATH (a fresh non-login shell).
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

step() { printf '\n==> %s\n' "$*" >&2; }

step "installing test dependencies (scripts/install-test-deps.sh)"
bash scripts/install-test-deps.sh

# The tests find Go through scripts/go.sh; put it on PATH too for anything that shells out to `go`.
PATH="$(dirname "$(bash scripts/go.sh)"):$PATH"
export PATH

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

step "cargo test"
cargo test --locked --no-fail-fast

step "all tests passed"
