#!/usr/bin/env bash
# Installs the real components tug's tests use as independent checkers and servers.
# Each area keeps its own clearly commented block so branches merge without conflicts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# --- sign: independent checkers for cosign compatibility (tests/it/sign.rs) ---
# openssl verifies .sig files and derives the public key; PyNaCl (+ hashlib.scrypt) decrypts
# cosign.key; @sigstore/verify@3 (node 20) verifies Sigstore bundles (tests/checkers/).
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
python3 -c 'import nacl' 2>/dev/null || pip install --quiet pynacl
(cd "$ROOT/tests/checkers/sigstore-verify" && npm ci --no-audit --no-fund --silent)
# --- end sign ---
