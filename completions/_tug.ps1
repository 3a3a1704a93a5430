
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tug' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tug'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tug' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented tug.yaml for the project in the current directory')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate tug.yaml, or with --release run the release checks on the module')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build the release: compile every target, package, checksum, write dist/')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Combine the dists of a sharded build into one release')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Manage cosign-compatible signing keys')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign the release in dist/ with a cosign key')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify the release in dist/: digests, checksums file and signatures')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Upload the release in dist/ to every configured publisher')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Roll a release out to an environment, or continue, pause or abort a rollout')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Switch an environment back to its previous good release, fast')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each host''s version, health and lock, and any unfinished rollout')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show who deployed what, when, and how it ended, merged from every host')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Remove a stuck lock from every host of an environment (recorded in history)')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of tug.yaml on stdout')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL on stdout')
            [CompletionResult]::new('ci', 'ci', [CompletionResultType]::ParameterValue, 'Write the CI pipeline that builds, merges, signs, publishes and rolls out a release')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;init' {
            [CompletionResult]::new('--ci', '--ci', [CompletionResultType]::ParameterName, 'Also write the CI release pipeline for this CI system')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing tug.yaml (and, with --ci, a pipeline file tug did not write)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;check' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version about to be released (vX.Y.Z); default: the release tag on HEAD')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'Print the fully resolved configuration as YAML on stdout, then the run settings and the TUG_* variables behind them as YAML comments (secret values never shown)')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Run the release checks instead of validating tug.yaml')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings as errors')
            [CompletionResult]::new('--backport', '--backport', [CompletionResultType]::ParameterName, 'Allow a version below the latest release of its major version (a patch on an older line)')
            [CompletionResult]::new('--retraction-only', '--retraction-only', [CompletionResultType]::ParameterName, 'The release only publishes retractions: require go.mod to retract this version')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tug;build' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Build only this target (os/arch[/variant], repeatable)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Build only the I-th of N slices of the targets (e.g. 1/4), for `tug merge`')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Compile at most N targets at once [default: number of CPUs]')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Compile at most N targets at once [default: number of CPUs]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Build an untagged or dirty tree as a snapshot version')
            [CompletionResult]::new('--clean', '--clean', [CompletionResultType]::ParameterName, 'Replace a non-empty dist directory')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop starting new targets after the first failure')
            [CompletionResult]::new('--verify-reproducible', '--verify-reproducible', [CompletionResultType]::ParameterName, 'Build again from a copy of the source elsewhere and report artifacts whose sha256 differs')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;merge' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the merged release here')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the merged release here')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--clean', '--clean', [CompletionResultType]::ParameterName, 'Replace a non-empty output directory')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;keys' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;keys;generate' {
            [CompletionResult]::new('--output-prefix', '--output-prefix', [CompletionResultType]::ParameterName, 'Write PREFIX.key and PREFIX.pub (PREFIX.vkey with --sumdb) [default: cosign, or sumdb with --sumdb]')
            [CompletionResult]::new('--sumdb', '--sumdb', [CompletionResultType]::ParameterName, 'Generate the note key of the checksum database NAME (host[/path], e.g. sum.example.com)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing key files')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;keys;help' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;keys;help;generate' {
            break
        }
        'tug;keys;help;help' {
            break
        }
        'tug;sign' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The private key: a cosign key file or env://VAR [default: sign.key, else cosign.key]')
            [CompletionResult]::new('--artifacts', '--artifacts', [CompletionResultType]::ParameterName, 'What to sign [default: sign.artifacts, else checksums]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;verify' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The public key: a PEM file or env://VAR [default: sign.public_key, else cosign.pub]; with --sumdb, the database''s verifier key (NAME+HASH+KEY), a file holding it (sumdb.vkey) or env://VAR')
            [CompletionResult]::new('--sumdb', '--sumdb', [CompletionResultType]::ParameterName, 'Check the checksum database in DIR (a goproxy directory''s sumdb/NAME) against its signed head: every hash and data tile, and every lookup''s record and signed head')
            [CompletionResult]::new('--signature', '--signature', [CompletionResultType]::ParameterName, 'Verify FILE with this signature (base64 or DER, as cosign writes it)')
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'Verify FILE with this Sigstore bundle')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Verify the image (or release artifact) REF in its registry: REF is host/repository@sha256:<digest>; its cosign signatures (tag sha256-<digest>.sig, made by `tug publish` or `cosign sign --key`) must include one valid with the key')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--provenance', '--provenance', [CompletionResultType]::ParameterName, 'Check the release''s provenance (<project>_<version>.intoto.sigstore.json, written by `tug sign` with `provenance:`): signature, subject digests, and the `policy:` of tug.yaml; with --image, the provenance attestation attached to the image (a Sigstore-bundle referrer or the sha256-<digest>.att tag, as `tug publish` attaches it)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'With --image: use plain HTTP for a registry that is not on loopback')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;publish' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only the publisher with this name (repeatable; the name is `name:` or the type)')
            [CompletionResult]::new('--oci-layout', '--oci-layout', [CompletionResultType]::ParameterName, 'Write the release (and configured images) as an OCI image layout in DIR, upload nothing')
            [CompletionResult]::new('--promote', '--promote', [CompletionResultType]::ParameterName, 'List a staged module VERSION (e.g. v2.0.0) in the goproxy publishers'' @v/list and @latest')
            [CompletionResult]::new('--withdraw', '--withdraw', [CompletionResultType]::ParameterName, 'Delete a staged (never listed) module VERSION from the goproxy publishers')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be uploaded and upload nothing')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite a remote file, asset or tag of the same name whose content differs')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;release' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Compile at most N targets at once [default: number of CPUs]')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Compile at most N targets at once [default: number of CPUs]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Build an untagged or dirty tree as a snapshot version')
            [CompletionResult]::new('--clean', '--clean', [CompletionResultType]::ParameterName, 'Replace a non-empty dist directory')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;rollout' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version to deploy (default: the one in the release source)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Take the release from a published `dir` location instead of dist/')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and the preflight, change nothing')
            [CompletionResult]::new('--insecure-skip-verify', '--insecure-skip-verify', [CompletionResultType]::ParameterName, 'Deploy without checking the signature (recorded in history; never in production)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Roll out a release marked bad in this environment anyway (the mark is cleared once it runs healthy on every host)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Continue a paused rollout past its pause or inconclusive analysis')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Ask the running rollout to pause at its next step')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused or interrupted rollout where it stopped')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the rollout and switch every host it changed back (the release is not marked bad)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;rollout;promote' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tug;rollout;pause' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tug;rollout;resume' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tug;rollout;abort' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (recorded in history on every host)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tug;rollout;help' {
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Continue a paused rollout past its pause or inconclusive analysis')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Ask the running rollout to pause at its next step')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused or interrupted rollout where it stopped')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the rollout and switch every host it changed back (the release is not marked bad)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;rollout;help;promote' {
            break
        }
        'tug;rollout;help;pause' {
            break
        }
        'tug;rollout;help;resume' {
            break
        }
        'tug;rollout;help;abort' {
            break
        }
        'tug;rollout;help;help' {
            break
        }
        'tug;rollback' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Go back to this version instead of the newest one that ran healthy on every host')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (recorded in history on every host)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--skip-unreachable', '--skip-unreachable', [CompletionResultType]::ParameterName, 'Roll back the hosts that answer and leave the ones that cannot be reached as they are (listed, and recorded in history, with the target: the next `tug rollback` moves only them, to the same release); a host key problem still stops the rollback')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;status' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits before giving up (exit 1)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until every host runs the same release, healthy, with no rollout in progress')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check every file of each host''s current release against the digests recorded when it was uploaded (exit 1 naming each changed file)')
            [CompletionResult]::new('--provenance', '--provenance', [CompletionResultType]::ParameterName, 'Show the commit and tag each host''s current release was built from (recorded in its release.json at upload)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;history' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show only the last N events')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show only the last N events')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;unlock' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (recorded in history)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Confirm that you know the holder is gone')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;schema' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Print the schema of dist/manifest.json instead')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;completions' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;ci' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('github', 'github', [CompletionResultType]::ParameterValue, 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)')
            [CompletionResult]::new('gitlab', 'gitlab', [CompletionResultType]::ParameterValue, 'GitLab CI: .gitlab-ci.yml')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;ci;github' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]')
            [CompletionResult]::new('--install', '--install', [CompletionResultType]::ParameterName, 'The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml; when neither says, the step fails saying to set it]')
            [CompletionResult]::new('--manual', '--manual', [CompletionResultType]::ParameterName, 'Also wait for a human approval before rolling out to this environment (repeatable; prod and production always wait)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'GitLab: the jobs'' image (it must hold Go and what --install uses) [default: `ci.image` in tug.yaml, else golang:1-bookworm]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Do not write: compare the existing file with what would be written, print a unified diff and exit 1 when it is stale or missing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing file that tug did not generate')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;ci;gitlab' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the pipeline here (`-` for stdout) [default: the provider''s usual path under the directory of tug.yaml]')
            [CompletionResult]::new('--install', '--install', [CompletionResultType]::ParameterName, 'The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml; when neither says, the step fails saying to set it]')
            [CompletionResult]::new('--manual', '--manual', [CompletionResultType]::ParameterName, 'Also wait for a human approval before rolling out to this environment (repeatable; prod and production always wait)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'GitLab: the jobs'' image (it must hold Go and what --install uses) [default: `ci.image` in tug.yaml, else golang:1-bookworm]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Do not write: compare the existing file with what would be written, print a unified diff and exit 1 when it is stale or missing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing file that tug did not generate')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show diagnostics on stderr (-v debug, -vv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON event per line on stdout instead of human output')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also: NO_COLOR)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tug;ci;help' {
            [CompletionResult]::new('github', 'github', [CompletionResultType]::ParameterValue, 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)')
            [CompletionResult]::new('gitlab', 'gitlab', [CompletionResultType]::ParameterValue, 'GitLab CI: .gitlab-ci.yml')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;ci;help;github' {
            break
        }
        'tug;ci;help;gitlab' {
            break
        }
        'tug;ci;help;help' {
            break
        }
        'tug;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented tug.yaml for the project in the current directory')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate tug.yaml, or with --release run the release checks on the module')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build the release: compile every target, package, checksum, write dist/')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Combine the dists of a sharded build into one release')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Manage cosign-compatible signing keys')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign the release in dist/ with a cosign key')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify the release in dist/: digests, checksums file and signatures')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Upload the release in dist/ to every configured publisher')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Roll a release out to an environment, or continue, pause or abort a rollout')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Switch an environment back to its previous good release, fast')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each host''s version, health and lock, and any unfinished rollout')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show who deployed what, when, and how it ended, merged from every host')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Remove a stuck lock from every host of an environment (recorded in history)')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of tug.yaml on stdout')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL on stdout')
            [CompletionResult]::new('ci', 'ci', [CompletionResultType]::ParameterValue, 'Write the CI pipeline that builds, merges, signs, publishes and rolls out a release')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;help;init' {
            break
        }
        'tug;help;check' {
            break
        }
        'tug;help;build' {
            break
        }
        'tug;help;merge' {
            break
        }
        'tug;help;keys' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with --sumdb the Ed25519 note key of a private Go checksum database')
            break
        }
        'tug;help;keys;generate' {
            break
        }
        'tug;help;sign' {
            break
        }
        'tug;help;verify' {
            break
        }
        'tug;help;publish' {
            break
        }
        'tug;help;release' {
            break
        }
        'tug;help;rollout' {
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Continue a paused rollout past its pause or inconclusive analysis')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Ask the running rollout to pause at its next step')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused or interrupted rollout where it stopped')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the rollout and switch every host it changed back (the release is not marked bad)')
            break
        }
        'tug;help;rollout;promote' {
            break
        }
        'tug;help;rollout;pause' {
            break
        }
        'tug;help;rollout;resume' {
            break
        }
        'tug;help;rollout;abort' {
            break
        }
        'tug;help;rollback' {
            break
        }
        'tug;help;status' {
            break
        }
        'tug;help;history' {
            break
        }
        'tug;help;unlock' {
            break
        }
        'tug;help;schema' {
            break
        }
        'tug;help;completions' {
            break
        }
        'tug;help;ci' {
            [CompletionResult]::new('github', 'github', [CompletionResultType]::ParameterValue, 'GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)')
            [CompletionResult]::new('gitlab', 'gitlab', [CompletionResultType]::ParameterValue, 'GitLab CI: .gitlab-ci.yml')
            break
        }
        'tug;help;ci;github' {
            break
        }
        'tug;help;ci;gitlab' {
            break
        }
        'tug;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
