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
complete -c tug -n "__fish_tug_needs_command" -f -a "rollout" -d 'Roll a release out to an environment, or continue, pause or abort a rollout'
complete -c tug -n "__fish_tug_needs_command" -f -a "rollback" -d 'Switch an environment back to its previous good release, fast'
complete -c tug -n "__fish_tug_needs_command" -f -a "status" -d 'Show each host\'s version, health and lock, and any unfinished rollout'
complete -c tug -n "__fish_tug_needs_command" -f -a "history" -d 'Show who deployed what, when, and how it ended, merged from every host'
complete -c tug -n "__fish_tug_needs_command" -f -a "unlock" -d 'Remove a stuck lock from every host of an environment (recorded in history)'
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
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l version -d 'The version to deploy (default: the one in the release source)' -r
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l from -d 'Take the release from a published `dir` location instead of dist/' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l dry-run -d 'Print the plan and the preflight, change nothing'
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -l insecure-skip-verify -d 'Deploy without checking the signature (recorded in history; never in production)'
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
complete -c tug -n "__fish_tug_using_subcommand rollout; and not __fish_seen_subcommand_from promote pause resume abort help" -a "abort" -d 'Stop the rollout and switch every host it changed back'
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
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Stop the rollout and switch every host it changed back'
complete -c tug -n "__fish_tug_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand rollback" -l to -d 'Go back to this version instead of each host\'s previous good release' -r
complete -c tug -n "__fish_tug_using_subcommand rollback" -l reason -d 'Why (recorded in history on every host)' -r
complete -c tug -n "__fish_tug_using_subcommand rollback" -s c -l config -d 'Use this config file instead of the tug.yaml found by walking up from the current directory' -r -F
complete -c tug -n "__fish_tug_using_subcommand rollback" -l dist -d 'Read and write the release in this directory [default: dist]' -r -F
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
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "completions" -d 'Print the shell completion script for SHELL on stdout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "rollout" -d 'Roll a release out to an environment, or continue, pause or abort a rollout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "rollback" -d 'Switch an environment back to its previous good release, fast'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "status" -d 'Show each host\'s version, health and lock, and any unfinished rollout'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "history" -d 'Show who deployed what, when, and how it ended, merged from every host'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "unlock" -d 'Remove a stuck lock from every host of an environment (recorded in history)'
complete -c tug -n "__fish_tug_using_subcommand help; and not __fish_seen_subcommand_from completions rollout rollback status history unlock help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "promote" -d 'Continue a paused rollout past its pause or inconclusive analysis'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "pause" -d 'Ask the running rollout to pause at its next step'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "resume" -d 'Continue a paused or interrupted rollout where it stopped'
complete -c tug -n "__fish_tug_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "abort" -d 'Stop the rollout and switch every host it changed back'
