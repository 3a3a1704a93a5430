
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
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL on stdout')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Roll a release out to an environment, or continue, pause or abort a rollout')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Switch an environment back to its previous good release, fast')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each host''s version, health and lock, and any unfinished rollout')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show who deployed what, when, and how it ended, merged from every host')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Remove a stuck lock from every host of an environment (recorded in history)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
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
        'tug;rollout' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version to deploy (default: the one in the release source)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Take the release from a published `dir` location instead of dist/')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Use this config file instead of the tug.yaml found by walking up from the current directory')
            [CompletionResult]::new('--dist', '--dist', [CompletionResultType]::ParameterName, 'Read and write the release in this directory [default: dist]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and the preflight, change nothing')
            [CompletionResult]::new('--insecure-skip-verify', '--insecure-skip-verify', [CompletionResultType]::ParameterName, 'Deploy without checking the signature (recorded in history; never in production)')
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
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the rollout and switch every host it changed back')
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
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the rollout and switch every host it changed back')
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
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Go back to this version instead of each host''s previous good release')
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
        'tug;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL on stdout')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Roll a release out to an environment, or continue, pause or abort a rollout')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Switch an environment back to its previous good release, fast')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each host''s version, health and lock, and any unfinished rollout')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show who deployed what, when, and how it ended, merged from every host')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Remove a stuck lock from every host of an environment (recorded in history)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tug;help;completions' {
            break
        }
        'tug;help;rollout' {
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Continue a paused rollout past its pause or inconclusive analysis')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Ask the running rollout to pause at its next step')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused or interrupted rollout where it stopped')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the rollout and switch every host it changed back')
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
        'tug;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
