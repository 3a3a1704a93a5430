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
complete -c tug -n "__fish_tug_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL on stdout'
complete -c tug -n "__fish_tug_needs_command" -f -a "publish" -d 'Upload the release in dist/ to every configured publisher'
complete -c tug -n "__fish_tug_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c tug -n "__fish_tug_using_subcommand publish" -l only -d 'Run only the publisher with this name (repeatable; the name is `name:` or the type)' -r
complete -c tug -n "__fish_tug_using_subcommand publish" -l oci-layout -d 'Write the release (and configured images) as an OCI image layout in DIR, upload nothing' -r -F
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
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions publish help" -f -a "completions" -d 'Print the shell completion script for SHELL on stdout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions publish help" -f -a "publish" -d 'Upload the release in dist/ to every configured publisher'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions publish help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
