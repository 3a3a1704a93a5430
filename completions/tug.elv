
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
            cand check 'Validate tug.yaml, or with --release run the release checks on the module'
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;check'= {
            cand --version 'The version about to be released (vX.Y.Z); default: the release tag on HEAD'
            cand -c 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --config 'Use this config file instead of the tug.yaml found by walking up from the current directory'
            cand --dist 'Read and write the release in this directory [default: dist]'
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
        &'tug;help'= {
            cand check 'Validate tug.yaml, or with --release run the release checks on the module'
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;help;check'= {
        }
        &'tug;help;completions'= {
        }
        &'tug;help;help'= {
        }
    ]
    $completions[$command]
}
