
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
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand rollout 'Roll a release out to an environment, or continue, pause or abort a rollout'
            cand rollback 'Switch an environment back to its previous good release, fast'
            cand status 'Show each host''s version, health and lock, and any unfinished rollout'
            cand history 'Show who deployed what, when, and how it ended, merged from every host'
            cand unlock 'Remove a stuck lock from every host of an environment (recorded in history)'
            cand help 'Print this message or the help of the given subcommand(s)'
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
        &'tug;rollout'= {
            cand --version 'The version to deploy (default: the one in the release source)'
            cand --from 'Take the release from a published `dir` location instead of dist/'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
            cand --dry-run 'Print the plan and the preflight, change nothing'
            cand --insecure-skip-verify 'Deploy without checking the signature (recorded in history; never in production)'
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
            cand abort 'Stop the rollout and switch every host it changed back'
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
            cand abort 'Stop the rollout and switch every host it changed back'
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
            cand --to 'Go back to this version instead of each host''s previous good release'
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
        &'tug;help'= {
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand rollout 'Roll a release out to an environment, or continue, pause or abort a rollout'
            cand rollback 'Switch an environment back to its previous good release, fast'
            cand status 'Show each host''s version, health and lock, and any unfinished rollout'
            cand history 'Show who deployed what, when, and how it ended, merged from every host'
            cand unlock 'Remove a stuck lock from every host of an environment (recorded in history)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;help;completions'= {
        }
        &'tug;help;rollout'= {
            cand promote 'Continue a paused rollout past its pause or inconclusive analysis'
            cand pause 'Ask the running rollout to pause at its next step'
            cand resume 'Continue a paused or interrupted rollout where it stopped'
            cand abort 'Stop the rollout and switch every host it changed back'
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
        &'tug;help;help'= {
        }
    ]
    $completions[$command]
}
