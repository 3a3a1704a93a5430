#!/usr/bin/env bash
# The README's quickstart: tug's main job end to end on examples/hello with the embedded defaults,
# in a scratch copy (the source tree is left untouched). Grows as the pipeline grows.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

step() { printf '\n==> %s\n' "$*" >&2; }

# The dev profile (dependencies optimised, see Cargo.toml) shares its build with scripts/test.sh.
step "building tug (cargo build)"
cargo build --quiet
tug="$root/target/debug/tug"
PATH="$(dirname "$(bash scripts/go.sh)"):$PATH"
export PATH

work="${TUG_QUICKSTART_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tug-quickstart.XXXXXX")}"
step "copying examples/hello to $work/hello (a git repository tagged v0.1.0)"
rm -rf "$work/hello"
cp -R examples/hello "$work/hello"
cd "$work/hello"
git init -q -b main
git add -A
g() { git -c user.name=Quickstart -c user.email=quickstart@tug.invalid -c commit.gpgsign=false -c tag.gpgsign=false "$@"; }
g commit -q -m "feat: hello"
g tag -a v0.1.0 -m v0.1.0

step "tug init (writes tug.yaml from the embedded template)"
"$tug" init
# A local environment: each "host" is a directory (how tests model a fleet, too).
cat >> tug.yaml <<'YAML'

environments:
  local:
    target:
      type: local
      hosts:
        - {name: host1, path: ../hosts/host1}
        - {name: host2, path: ../hosts/host2}
    public_key: ../keys/cosign.pub
    health_check:
      command: "./current/hello --version"
YAML
printf 'dist/\npublished/\n' > .gitignore
g add -A
g commit -q -m "chore: tug.yaml"
g tag -d v0.1.0 >/dev/null
g tag -a v0.1.0 -m v0.1.0

step "tug keys generate (a cosign key pair, outside the repository)"
export COSIGN_PASSWORD="${COSIGN_PASSWORD:-quickstart}"
mkdir -p "$work/keys"
(cd "$work/keys" && "$tug" keys generate --force >/dev/null)

step "tug check (validates tug.yaml, and that the files it names exist: the keys)"
"$tug" check

step "tug build (release checks, then every target, archives, checksums, notes, manifest)"
"$tug" build --clean

step "tug sign (cosign-compatible .sig + Sigstore bundle for the checksums file)"
"$tug" sign --key "$work/keys/cosign.key"

step "tug verify (digests, checksums file and signatures)"
"$tug" verify --key "$work/keys/cosign.pub"

step "tug publish (the default dir publisher: ./published/hello/0.1.0/)"
"$tug" publish
(cd published/hello/0.1.0 && sha256sum -c --quiet hello_0.1.0_checksums.txt && echo "sha256sum -c: OK")

step "tug rollout local (verify digest + signature, preflight, switch every host)"
"$tug" rollout local --yes

step "release v0.2.0 and roll it out"
echo "// v0.2.0" >> main.go
g commit -q -am "fix: v0.2.0"
g tag -a v0.2.0 -m v0.2.0
"$tug" build --clean -q
"$tug" sign -q --key "$work/keys/cosign.key"
"$tug" rollout local --yes

step "tug rollback local (every host back to 0.1.0 at once)"
"$tug" rollback local --yes --reason "quickstart"

step "tug status local / tug history local"
"$tug" status local
"$tug" history local

step "done: the project is in $work/hello, its hosts in $work/hosts"
