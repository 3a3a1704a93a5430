
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
            cand publish 'Upload the release in dist/ to every configured publisher'
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
        &'tug;publish'= {
            cand --only 'Run only the publisher with this name (repeatable; the name is `name:` or the type)'
            cand --oci-layout 'Write the release (and configured images) as an OCI image layout in DIR, upload nothing'
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
        &'tug;help'= {
            cand completions 'Print the shell completion script for SHELL on stdout'
            cand publish 'Upload the release in dist/ to every configured publisher'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tug;help;completions'= {
        }
        &'tug;help;publish'= {
        }
        &'tug;help;help'= {
        }
    ]
    $completions[$command]
}
