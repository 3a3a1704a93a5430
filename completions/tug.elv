
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
            cand build 'Build the release: compile every target, package, checksum, write dist/'
            cand merge 'Combine the dists of a sharded build into one release'
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
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
            cand --verify-reproducible 'Build twice into separate directories and report artifacts whose sha256 differs'
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
            cand build 'Build the release: compile every target, package, checksum, write dist/'
            cand merge 'Combine the dists of a sharded build into one release'
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;help;build'= {
        }
        &'tug;help;merge'= {
        }
        &'tug;help;completions'= {
        }
        &'tug;help;help'= {
        }
    ]
    $completions[$command]
}
