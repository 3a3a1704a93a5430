
use builtin;
use str;

set edit:completion:arg-completer[tug] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tug'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tug'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented tug.yaml for the project in the current directory'
            cand check 'Validate tug.yaml, or with --release run the release checks on the module'
            cand build 'Build the release: compile every target, package, checksum, write dist/'
            cand merge 'Combine the dists of a sharded build into one release'
            cand keys 'Manage cosign-compatible signing keys'
            cand sign 'Sign the release in dist/ with a cosign key'
            cand verify 'Verify the release in dist/: digests, checksums file and signatures'
            cand publish 'Upload the release in dist/ to every configured publisher'
            cand release 'Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish'
            cand rollout 'Roll a release out to an environment, or continue, pause or abort a rollout'
            cand rollback 'Switch an environment back to its previous good release, fast'
            cand status 'Show each host''s version, health and lock, and any unfinished rollout'
            cand history 'Show who deployed what, when, and how it ended, merged from every host'
            cand unlock 'Remove a stuck lock from every host of an environment (recorded in history)'
            cand schema 'Print the JSON Schema of tug.yaml on stdout'
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand ci 'Write the CI pipeline that builds, merges, signs, publishes and rolls out a release'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;init'= {
            cand --ci 'Also write the CI release pipeline for this CI system'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --force 'Overwrite an existing tug.yaml (and, with --ci, a pipeline file tug did not write)'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;check'= {
            cand --version 'The version about to be released (vX.Y.Z); default: the release tag on HEAD'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --show 'Print the fully resolved configuration as YAML on stdout, then the run settings and the TUG_* variables behind them as YAML comments (secret values never shown)'
            cand --release 'Run the release checks instead of validating tug.yaml'
            cand --strict 'Treat warnings as errors'
            cand --backport 'Allow a version below the latest release of its major version (a patch on an older line)'
            cand --retraction-only 'The release only publishes retractions: require go.mod to retract this version'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tug;build'= {
            cand --target 'Build only this target (os/arch[/variant], repeatable)'
            cand --shard 'Build only the I-th of N slices of the targets (e.g. 1/4), for `tug merge`'
            cand -p 'Compile at most N targets at once [default: number of CPUs]'
            cand --parallelism 'Compile at most N targets at once [default: number of CPUs]'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --snapshot 'Build an untagged or dirty tree as a snapshot version'
            cand --clean 'Replace a non-empty dist directory'
            cand --fail-fast 'Stop starting new targets after the first failure'
            cand --verify-reproducible 'Build again from a copy of the source elsewhere and report artifacts whose sha256 differs'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;merge'= {
            cand -o 'Write the merged release here'
            cand --output 'Write the merged release here'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --clean 'Replace a non-empty output directory'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;keys'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand generate 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;keys;generate'= {
            cand --output-prefix 'Write PREFIX.key and PREFIX.pub (PREFIX.vkey with --sumdb) [default: cosign, or sumdb with --sumdb]'
            cand --sumdb 'Generate the note key of the checksum database NAME (host[/path], e.g. sum.example.com)'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --force 'Overwrite existing key files'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;keys;help'= {
            cand generate 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;keys;help;generate'= {
        }
        &'tug;keys;help;help'= {
        }
        &'tug;sign'= {
            cand --key 'The private key: a cosign key file or env://VAR [default: sign.key, else cosign.key]'
            cand --artifacts 'What to sign [default: sign.artifacts, else checksums]'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;verify'= {
            cand --key 'The public key: a PEM file or env://VAR [default: sign.public_key, else cosign.pub]; with --sumdb, the database''s verifier key (NAME+HASH+KEY), a file holding it (sumdb.vkey) or env://VAR'
            cand --sumdb 'Check the checksum database in DIR (a goproxy directory''s sumdb/NAME) against its signed head: every hash and data tile, and every lookup''s record and signed head'
            cand --signature 'Verify FILE with this signature (base64 or DER, as cosign writes it)'
            cand --bundle 'Verify FILE with this Sigstore bundle'
            cand --image 'Verify the image (or release artifact) REF in its registry: REF is host/repository@sha256:<digest>; its cosign signatures (tag sha256-<digest>.sig, made by `tug publish` or `cosign sign --key`) must include one valid with the key'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --provenance 'Check the release''s provenance (<project>_<version>.intoto.sigstore.json, written by `tug sign` with `provenance:`): signature, subject digests, and the `policy:` of tug.yaml; with --image, the provenance attestation attached to the image (a Sigstore-bundle referrer or the sha256-<digest>.att tag, as `tug publish` attaches it)'
            cand --insecure 'With --image: use plain HTTP for a registry that is not on loopback'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;publish'= {
            cand --only 'Run only the publisher with this name (repeatable; the name is `name:` or the type)'
            cand --oci-layout 'Write the release (and configured images) as an OCI image layout in DIR, upload nothing'
            cand --promote 'List a staged module VERSION (e.g. v2.0.0) in the goproxy publishers'' @v/list and @latest'
            cand --withdraw 'Delete a staged (never listed) module VERSION from the goproxy publishers'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --dry-run 'Show what would be uploaded and upload nothing'
            cand --replace 'Overwrite a remote file, asset or tag of the same name whose content differs'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;release'= {
            cand -p 'Compile at most N targets at once [default: number of CPUs]'
            cand --parallelism 'Compile at most N targets at once [default: number of CPUs]'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --snapshot 'Build an untagged or dirty tree as a snapshot version'
            cand --clean 'Replace a non-empty dist directory'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;rollout'= {
            cand --version 'The version to deploy (default: the one in the release source)'
            cand --from 'Take the release from a published `dir` location instead of dist/'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --dry-run 'Print the plan and the preflight, change nothing'
            cand --insecure-skip-verify 'Deploy without checking the signature (recorded in history; never in production)'
            cand --force 'Roll out a release marked bad in this environment anyway (the mark is cleared once it runs healthy on every host)'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand promote 'Continue a paused rollout past its pause or inconclusive analysis'
            cand pause 'Ask the running rollout to pause at its next step'
            cand resume 'Continue a paused or interrupted rollout where it stopped'
            cand abort 'Stop the rollout and switch every host it changed back (the release is not marked bad)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;rollout;promote'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tug;rollout;pause'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tug;rollout;resume'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tug;rollout;abort'= {
            cand --reason 'Why (recorded in history on every host)'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tug;rollout;help'= {
            cand promote 'Continue a paused rollout past its pause or inconclusive analysis'
            cand pause 'Ask the running rollout to pause at its next step'
            cand resume 'Continue a paused or interrupted rollout where it stopped'
            cand abort 'Stop the rollout and switch every host it changed back (the release is not marked bad)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;rollout;help;promote'= {
        }
        &'tug;rollout;help;pause'= {
        }
        &'tug;rollout;help;resume'= {
        }
        &'tug;rollout;help;abort'= {
        }
        &'tug;rollout;help;help'= {
        }
        &'tug;rollback'= {
            cand --to 'Go back to this version instead of the newest one that ran healthy on every host'
            cand --reason 'Why (recorded in history on every host)'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --skip-unreachable 'Roll back the hosts that answer and leave the ones that cannot be reached as they are (listed, and recorded in history, with the target: the next `tug rollback` moves only them, to the same release); a host key problem still stops the rollback'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;status'= {
            cand --timeout 'How long --wait waits before giving up (exit 1)'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --wait 'Wait until every host runs the same release, healthy, with no rollout in progress'
            cand --verify 'Check every file of each host''s current release against the digests recorded when it was uploaded (exit 1 naming each changed file)'
            cand --provenance 'Show the commit and tag each host''s current release was built from (recorded in its release.json at upload)'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;history'= {
            cand -n 'Show only the last N events'
            cand --limit 'Show only the last N events'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;unlock'= {
            cand --reason 'Why (recorded in history)'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --force 'Confirm that you know the holder is gone'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;schema'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --manifest 'Print the schema of dist/manifest.json instead'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;completions'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;ci'= {
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand github 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)'
            cand gitlab 'GitLab CI: .gitlab-ci.yml'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;ci;github'= {
            cand -o 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]'
            cand --output 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]'
            cand --install 'The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml; when neither says, the step fails saying to set it]'
            cand --manual 'Also wait for a human approval before rolling out to this environment (repeatable; prod and production always wait)'
            cand --image 'GitLab: the jobs'' image (it must hold Go and what --install uses) [default: `ci.image` in tug.yaml, else golang:1-bookworm]'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --check 'Do not write: compare the existing file with what would be written, print a unified diff and exit 1 when it is stale or missing'
            cand --force 'Replace an existing file that tug did not generate'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;ci;gitlab'= {
            cand -o 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]'
            cand --output 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]'
            cand --install 'The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml; when neither says, the step fails saying to set it]'
            cand --manual 'Also wait for a human approval before rolling out to this environment (repeatable; prod and production always wait)'
            cand --image 'GitLab: the jobs'' image (it must hold Go and what --install uses) [default: `ci.image` in tug.yaml, else golang:1-bookworm]'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --check 'Do not write: compare the existing file with what would be written, print a unified diff and exit 1 when it is stale or missing'
            cand --force 'Replace an existing file that tug did not generate'
            cand -v 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand --verbose 'Show diagnostics on stderr (-v debug, -vv trace)'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand --json 'Print one JSON event per line on stdout instead of human output'
            cand --no-progress 'Never draw progress bars'
            cand --no-color 'Never use colour (also: NO_COLOR)'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tug;ci;help'= {
            cand github 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)'
            cand gitlab 'GitLab CI: .gitlab-ci.yml'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;ci;help;github'= {
        }
        &'tug;ci;help;gitlab'= {
        }
        &'tug;ci;help;help'= {
        }
        &'tug;help'= {
            cand init 'Write a commented tug.yaml for the project in the current directory'
            cand check 'Validate tug.yaml, or with --release run the release checks on the module'
            cand build 'Build the release: compile every target, package, checksum, write dist/'
            cand merge 'Combine the dists of a sharded build into one release'
            cand keys 'Manage cosign-compatible signing keys'
            cand sign 'Sign the release in dist/ with a cosign key'
            cand verify 'Verify the release in dist/: digests, checksums file and signatures'
            cand publish 'Upload the release in dist/ to every configured publisher'
            cand release 'Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish'
            cand rollout 'Roll a release out to an environment, or continue, pause or abort a rollout'
            cand rollback 'Switch an environment back to its previous good release, fast'
            cand status 'Show each host''s version, health and lock, and any unfinished rollout'
            cand history 'Show who deployed what, when, and how it ended, merged from every host'
            cand unlock 'Remove a stuck lock from every host of an environment (recorded in history)'
            cand schema 'Print the JSON Schema of tug.yaml on stdout'
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand ci 'Write the CI pipeline that builds, merges, signs, publishes and rolls out a release'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;help;init'= {
        }
        &'tug;help;check'= {
        }
        &'tug;help;build'= {
        }
        &'tug;help;merge'= {
        }
        &'tug;help;keys'= {
            cand generate 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database'
        }
        &'tug;help;keys;generate'= {
        }
        &'tug;help;sign'= {
        }
        &'tug;help;verify'= {
        }
        &'tug;help;publish'= {
        }
        &'tug;help;release'= {
        }
        &'tug;help;rollout'= {
            cand promote 'Continue a paused rollout past its pause or inconclusive analysis'
            cand pause 'Ask the running rollout to pause at its next step'
            cand resume 'Continue a paused or interrupted rollout where it stopped'
            cand abort 'Stop the rollout and switch every host it changed back (the release is not marked bad)'
        }
        &'tug;help;rollout;promote'= {
        }
        &'tug;help;rollout;pause'= {
        }
        &'tug;help;rollout;resume'= {
        }
        &'tug;help;rollout;abort'= {
        }
        &'tug;help;rollback'= {
        }
        &'tug;help;status'= {
        }
        &'tug;help;history'= {
        }
        &'tug;help;unlock'= {
        }
        &'tug;help;schema'= {
        }
        &'tug;help;completions'= {
        }
        &'tug;help;ci'= {
            cand github 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)'
            cand gitlab 'GitLab CI: .gitlab-ci.yml'
        }
        &'tug;help;ci;github'= {
        }
        &'tug;help;ci;gitlab'= {
        }
        &'tug;help;help'= {
        }
    ]
    $completions[$command]
}
