# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tug_global_optspecs
    string join \n c/config= dist= v/verbose q/quiet json no-progress no-color y/yes h/help V/version
end

function __fish_tug_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tug_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tug_using_subcommand
    set -l cmd (__fish_tug_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tug -n "__fish_tug_needs_command" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_needs_command" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_needs_command" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_needs_command" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_needs_command" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_needs_command" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_needs_command" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_needs_command" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_needs_command" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_needs_command" -f -a "init" -d 'Write a commented tug.yaml for the project in the current directory'
complete -c tug -n "__fish_tug_needs_command" -f -a "check" -d 'Validate tug.yaml, or with --release run the release checks on the module'
complete -c tug -n "__fish_tug_needs_command" -f -a "build" -d 'Build the release: compile every target, package, checksum, write dist/'
complete -c tug -n "__fish_tug_needs_command" -f -a "merge" -d 'Combine the dists of a sharded build into one release'
complete -c tug -n "__fish_tug_needs_command" -f -a "keys" -d 'Manage cosign-compatible signing keys'
complete -c tug -n "__fish_tug_needs_command" -f -a "sign" -d 'Sign the release in dist/ with a cosign key'
complete -c tug -n "__fish_tug_needs_command" -f -a "verify" -d 'Verify the release in dist/: digests, checksums file and signatures'
complete -c tug -n "__fish_tug_needs_command" -f -a "publish" -d 'Upload the release in dist/ to every configured publisher'
complete -c tug -n "__fish_tug_needs_command" -f -a "release" -d 'Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish'
complete -c tug -n "__fish_tug_needs_command" -f -a "rollout" -d 'Roll a release out to an environment, or continue, pause or abort a rollout'
complete -c tug -n "__fish_tug_needs_command" -f -a "rollback" -d 'Switch an environment back to its previous good release, fast'
complete -c tug -n "__fish_tug_needs_command" -f -a "status" -d 'Show each host\'s version, health and lock, and any unfinished rollout'
complete -c tug -n "__fish_tug_needs_command" -f -a "history" -d 'Show who deployed what, when, and how it ended, merged from every host'
complete -c tug -n "__fish_tug_needs_command" -f -a "unlock" -d 'Remove a stuck lock from every host of an environment (recorded in history)'
complete -c tug -n "__fish_tug_needs_command" -f -a "schema" -d 'Print the JSON Schema of tug.yaml on stdout'
complete -c tug -n "__fish_tug_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL on stdout'
complete -c tug -n "__fish_tug_needs_command" -f -a "ci" -d 'Write the CI pipeline that builds, merges, signs, publishes and rolls out a release'
complete -c tug -n "__fish_tug_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand init" -l ci -d 'Also write the CI release pipeline for this CI system' -r -f -a "github\t'GitHub Actions: .github/workflows/release.yml'
gitlab\t'GitLab CI: .gitlab-ci.yml'"
complete -c tug -n "__fish_tug_using_subcommand init" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand init" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand init" -l force -d 'Overwrite an existing tug.yaml (and, with --ci, a pipeline file tug did not write)'
complete -c tug -n "__fish_tug_using_subcommand init" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand init" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand init" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand init" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand init" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand init" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand init" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand check" -l version -d 'The version about to be released (vX.Y.Z); default: the release tag on HEAD' -r
complete -c tug -n "__fish_tug_using_subcommand check" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand check" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand check" -l show -d 'Print the fully resolved configuration as YAML on stdout, then the run settings and the TUG_* variables behind them as YAML comments (secret values never shown)'
complete -c tug -n "__fish_tug_using_subcommand check" -l release -d 'Run the release checks instead of validating tug.yaml'
complete -c tug -n "__fish_tug_using_subcommand check" -l strict -d 'Treat warnings as errors'
complete -c tug -n "__fish_tug_using_subcommand check" -l backport -d 'Allow a version below the latest release of its major version (a patch on an older line)'
complete -c tug -n "__fish_tug_using_subcommand check" -l retraction-only -d 'The release only publishes retractions: require go.mod to retract this version'
complete -c tug -n "__fish_tug_using_subcommand check" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand check" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand check" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand check" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand check" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand check" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand build" -l target -d 'Build only this target (os/arch[/variant], repeatable)' -r
complete -c tug -n "__fish_tug_using_subcommand build" -l shard -d 'Build only the I-th of N slices of the targets (e.g. 1/4), for `tug merge`' -r
complete -c tug -n "__fish_tug_using_subcommand build" -s p -l parallelism -d 'Compile at most N targets at once [default: number of CPUs]' -r
complete -c tug -n "__fish_tug_using_subcommand build" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand build" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand build" -l snapshot -d 'Build an untagged or dirty tree as a snapshot version'
complete -c tug -n "__fish_tug_using_subcommand build" -l clean -d 'Replace a non-empty dist directory'
complete -c tug -n "__fish_tug_using_subcommand build" -l fail-fast -d 'Stop starting new targets after the first failure'
complete -c tug -n "__fish_tug_using_subcommand build" -l verify-reproducible -d 'Build again from a copy of the source elsewhere and report artifacts whose sha256 differs'
complete -c tug -n "__fish_tug_using_subcommand build" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand build" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand build" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand build" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand build" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand build" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand build" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand merge" -s o -l output -d 'Write the merged release here' -r -F
complete -c tug -n "__fish_tug_using_subcommand merge" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand merge" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand merge" -l clean -d 'Replace a non-empty output directory'
complete -c tug -n "__fish_tug_using_subcommand merge" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand merge" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand merge" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand merge" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand merge" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand merge" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand merge" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -f -a "generate" -d 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database'
complete -c tug -n "__fish_tug_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l output-prefix -d 'Write PREFIX.key and PREFIX.pub (PREFIX.vkey with --sumdb) [default: cosign, or sumdb with --sumdb]' -r
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l sumdb -d 'Generate the note key of the checksum database NAME (host[/path], e.g. sum.example.com)' -r
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l force -d 'Overwrite existing key files'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from generate" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database'
complete -c tug -n "__fish_tug_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand sign" -l key -d 'The private key: a cosign key file or env://VAR [default: sign.key, else cosign.key]' -r
complete -c tug -n "__fish_tug_using_subcommand sign" -l artifacts -d 'What to sign [default: sign.artifacts, else checksums]' -r -f -a "checksums\t'Only the checksums file (it covers every artifact it lists)'
archives\t'Every archive'
binaries\t'Every binary'
all\t'Every file of the release'"
complete -c tug -n "__fish_tug_using_subcommand sign" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand sign" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand sign" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand sign" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand sign" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand sign" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand sign" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand sign" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand sign" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand verify" -l key -d 'The public key: a PEM file or env://VAR [default: sign.public_key, else cosign.pub]; with --sumdb, the database\'s verifier key (NAME+HASH+KEY), a file holding it (sumdb.vkey) or env://VAR' -r
complete -c tug -n "__fish_tug_using_subcommand verify" -l sumdb -d 'Check the checksum database in DIR (a goproxy directory\'s sumdb/NAME) against its signed head: every hash and data tile, and every lookup\'s record and signed head' -r -F
complete -c tug -n "__fish_tug_using_subcommand verify" -l signature -d 'Verify FILE with this signature (base64 or DER, as cosign writes it)' -r -F
complete -c tug -n "__fish_tug_using_subcommand verify" -l bundle -d 'Verify FILE with this Sigstore bundle' -r -F
complete -c tug -n "__fish_tug_using_subcommand verify" -l image -d 'Verify the image (or release artifact) REF in its registry: REF is host/repository@sha256:<digest>; its cosign signatures (tag sha256-<digest>.sig, made by `tug publish` or `cosign sign --key`) must include one valid with the key' -r
complete -c tug -n "__fish_tug_using_subcommand verify" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand verify" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand verify" -l provenance -d 'Check the release\'s provenance (<project>_<version>.intoto.sigstore.json, written by `tug sign` with `provenance:`): signature, subject digests, and the `policy:` of tug.yaml; with --image, the provenance attestation attached to the image (a Sigstore-bundle referrer or the sha256-<digest>.att tag, as `tug publish` attaches it)'
complete -c tug -n "__fish_tug_using_subcommand verify" -l insecure -d 'With --image: use plain HTTP for a registry that is not on loopback'
complete -c tug -n "__fish_tug_using_subcommand verify" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand verify" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand verify" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand verify" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand verify" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand verify" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand verify" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand publish" -l only -d 'Run only the publisher with this name (repeatable; the name is `name:` or the type)' -r
complete -c tug -n "__fish_tug_using_subcommand publish" -l oci-layout -d 'Write the release (and configured images) as an OCI image layout in DIR, upload nothing' -r -F
complete -c tug -n "__fish_tug_using_subcommand publish" -l promote -d 'List a staged module VERSION (e.g. v2.0.0) in the goproxy publishers\' @v/list and @latest' -r
complete -c tug -n "__fish_tug_using_subcommand publish" -l withdraw -d 'Delete a staged (never listed) module VERSION from the goproxy publishers' -r
complete -c tug -n "__fish_tug_using_subcommand publish" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand publish" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand publish" -l dry-run -d 'Show what would be uploaded and upload nothing'
complete -c tug -n "__fish_tug_using_subcommand publish" -l replace -d 'Overwrite a remote file, asset or tag of the same name whose content differs'
complete -c tug -n "__fish_tug_using_subcommand publish" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand publish" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand publish" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand publish" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand publish" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand publish" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand publish" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand publish" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand release" -s p -l parallelism -d 'Compile at most N targets at once [default: number of CPUs]' -r
complete -c tug -n "__fish_tug_using_subcommand release" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand release" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand release" -l snapshot -d 'Build an untagged or dirty tree as a snapshot version'
complete -c tug -n "__fish_tug_using_subcommand release" -l clean -d 'Replace a non-empty dist directory'
complete -c tug -n "__fish_tug_using_subcommand release" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand release" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand release" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand release" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand release" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand release" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand release" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand release" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l version -d 'The version to deploy (default: the one in the release source)' -r
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l from -d 'Take the release from a published `dir` location instead of dist/' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l dry-run -d 'Print the plan and the preflight, change nothing'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l insecure-skip-verify -d 'Deploy without checking the signature (recorded in history; never in production)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l force -d 'Roll out a release marked bad in this environment anyway (the mark is cleared once it runs healthy on every host)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -a "promote" -d 'Continue a paused rollout past its pause or inconclusive analysis'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -a "pause" -d 'Ask the running rollout to pause at its next step'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -a "resume" -d 'Continue a paused or interrupted rollout where it stopped'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -a "abort" -d 'Stop the rollout and switch every host it changed back (the release is not marked bad)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -l reason -d 'Why (recorded in history on every host)' -r
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from abort" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "promote" -d 'Continue a paused rollout past its pause or inconclusive analysis'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Ask the running rollout to pause at its next step'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Continue a paused or interrupted rollout where it stopped'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Stop the rollout and switch every host it changed back (the release is not marked bad)'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand rollback" -l to -d 'Go back to this version instead of the newest one that ran healthy on every host' -r
complete -c tug -n "__fish_tug_using_subcommand rollback" -l reason -d 'Why (recorded in history on every host)' -r
complete -c tug -n "__fish_tug_using_subcommand rollback" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollback" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollback" -l skip-unreachable -d 'Roll back the hosts that answer and leave the ones that cannot be reached as they are (listed, and recorded in history, with the target: the next `tug rollback` moves only them, to the same release); a host key problem still stops the rollback'
complete -c tug -n "__fish_tug_using_subcommand rollback" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand rollback" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand rollback" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand rollback" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand rollback" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand rollback" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand status" -l timeout -d 'How long --wait waits before giving up (exit 1)' -r
complete -c tug -n "__fish_tug_using_subcommand status" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand status" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand status" -l wait -d 'Wait until every host runs the same release, healthy, with no rollout in progress'
complete -c tug -n "__fish_tug_using_subcommand status" -l verify -d 'Check every file of each host\'s current release against the digests recorded when it was uploaded (exit 1 naming each changed file)'
complete -c tug -n "__fish_tug_using_subcommand status" -l provenance -d 'Show the commit and tag each host\'s current release was built from (recorded in its release.json at upload)'
complete -c tug -n "__fish_tug_using_subcommand status" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand status" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand status" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand status" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand status" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand status" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand status" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand status" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand history" -s n -l limit -d 'Show only the last N events' -r
complete -c tug -n "__fish_tug_using_subcommand history" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand history" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand history" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand history" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand history" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand history" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand history" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand history" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand history" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand history" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand unlock" -l reason -d 'Why (recorded in history)' -r
complete -c tug -n "__fish_tug_using_subcommand unlock" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand unlock" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand unlock" -l force -d 'Confirm that you know the holder is gone'
complete -c tug -n "__fish_tug_using_subcommand unlock" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand unlock" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand unlock" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand unlock" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand unlock" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand unlock" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand unlock" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand schema" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand schema" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand schema" -l manifest -d 'Print the schema of dist/manifest.json instead'
complete -c tug -n "__fish_tug_using_subcommand schema" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand schema" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand schema" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand schema" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand schema" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand schema" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand schema" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand completions" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand completions" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand completions" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand completions" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand completions" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand completions" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand completions" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand completions" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -f -a "github" -d 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -f -a "gitlab" -d 'GitLab CI: .gitlab-ci.yml'
complete -c tug -n "__fish_tug_using_subcommand ci; and not __fish_seen_subcommand_from github gitlab help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s o -l output -d 'Write the pipeline here (`-` for stdout) [default: the provider\'s usual path under the directory of tug.yaml]' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l install -d 'The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml; when neither says, the step fails saying to set it]' -r
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l manual -d 'Also wait for a human approval before rolling out to this environment (repeatable; prod and production always wait)' -r
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l image -d 'GitLab: the jobs\' image (it must hold Go and what --install uses) [default: `ci.image` in tug.yaml, else golang:1-bookworm]' -r
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l check -d 'Do not write: compare the existing file with what would be written, print a unified diff and exit 1 when it is stale or missing'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l force -d 'Replace an existing file that tug did not generate'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from github" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s o -l output -d 'Write the pipeline here (`-` for stdout) [default: the provider\'s usual path under the directory of tug.yaml]' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l install -d 'The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml; when neither says, the step fails saying to set it]' -r
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l manual -d 'Also wait for a human approval before rolling out to this environment (repeatable; prod and production always wait)' -r
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l image -d 'GitLab: the jobs\' image (it must hold Go and what --install uses) [default: `ci.image` in tug.yaml, else golang:1-bookworm]' -r
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l check -d 'Do not write: compare the existing file with what would be written, print a unified diff and exit 1 when it is stale or missing'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l force -d 'Replace an existing file that tug did not generate'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s v -l verbose -d 'Show diagnostics on stderr (-v debug, -vv trace)'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l json -d 'Print one JSON event per line on stdout instead of human output'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l no-progress -d 'Never draw progress bars'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -l no-color -d 'Never use colour (also: NO_COLOR)'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s h -l help -d 'Print help'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from gitlab" -s V -l version -d 'Print version'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from help" -f -a "github" -d 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from help" -f -a "gitlab" -d 'GitLab CI: .gitlab-ci.yml'
complete -c tug -n "__fish_tug_using_subcommand ci; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "init" -d 'Write a commented tug.yaml for the project in the current directory'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "check" -d 'Validate tug.yaml, or with --release run the release checks on the module'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "build" -d 'Build the release: compile every target, package, checksum, write dist/'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "merge" -d 'Combine the dists of a sharded build into one release'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "keys" -d 'Manage cosign-compatible signing keys'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "sign" -d 'Sign the release in dist/ with a cosign key'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "verify" -d 'Verify the release in dist/: digests, checksums file and signatures'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "publish" -d 'Upload the release in dist/ to every configured publisher'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "release" -d 'Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "rollout" -d 'Roll a release out to an environment, or continue, pause or abort a rollout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "rollback" -d 'Switch an environment back to its previous good release, fast'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "status" -d 'Show each host\'s version, health and lock, and any unfinished rollout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "history" -d 'Show who deployed what, when, and how it ended, merged from every host'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "unlock" -d 'Remove a stuck lock from every host of an environment (recorded in history)'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "schema" -d 'Print the JSON Schema of tug.yaml on stdout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "completions" -d 'Print the shell completion script for SHELL on stdout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "ci" -d 'Write the CI pipeline that builds, merges, signs, publishes and rolls out a release'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from init check build merge keys sign verify publish release rollout rollback status history unlock schema completions ci help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "generate" -d 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "promote" -d 'Continue a paused rollout past its pause or inconclusive analysis'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "pause" -d 'Ask the running rollout to pause at its next step'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "resume" -d 'Continue a paused or interrupted rollout where it stopped'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "abort" -d 'Stop the rollout and switch every host it changed back (the release is not marked bad)'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from ci" -f -a "github" -d 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from ci" -f -a "gitlab" -d 'GitLab CI: .gitlab-ci.yml'
