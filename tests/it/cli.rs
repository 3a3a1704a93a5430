//! The command-line surface: help, version, completions and the generated files (completions/ and
//! man/), which must match what the clap tree generates now and be committed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use clap::CommandFactory;

use crate::harness::*;

/// `tug` with a fixed terminal width, so wrapped help is the same everywhere.
fn tug_cli() -> Command {
    let mut cmd = tug(&repo_root());
    cmd.env_remove("COLUMNS");
    cmd
}

#[test]
fn completions_command_prints_the_committed_script_for_every_shell() {
    let committed = committed_generated_files();
    for (shell, file) in tug::generate::SHELLS {
        let name = clap::ValueEnum::to_possible_value(&shell)
            .unwrap()
            .get_name()
            .to_owned();
        let out = ok(tug(&repo_root()).args(["completions", &name]));
        let script = String::from_utf8(committed[&format!("completions/{file}")].clone()).unwrap();
        assert_eq!(
            out, script,
            "completions/{file} differs from `tug completions {name}`"
        );
    }
    let bash = ok(tug(&repo_root()).args(["completions", "bash"]));
    assert!(bash.contains("complete -F _tug"), "{bash}");
}

#[test]
fn help_lists_commands_global_flags_and_exit_codes() {
    let out = run(tug_cli().arg("--help"));
    insta::assert_snapshot!(out.snapshot(&[]), @r"
        exit: 0
        --- stdout
        tug takes a project from a git tag to running in production and back: build -> sign -> publish ->
        rollout -> rollback, driven by one tug.yaml.

        Every stage is a separate, idempotent command that reads and extends dist/, so CI can run each one
        on its own runner and re-run any failed step.

        Usage: tug [OPTIONS] <COMMAND>

        Commands:
          init         Write a commented tug.yaml for the project in the current directory
          check        Validate tug.yaml, or with --release run the release checks on the module
          build        Build the release: compile every target, package, checksum, write dist/
          merge        Combine the dists of a sharded build into one release
          keys         Manage cosign-compatible signing keys
          sign         Sign the release in dist/ with a cosign key
          verify       Verify the release in dist/: digests, checksums file and signatures
          publish      Upload the release in dist/ to every configured publisher
          release      Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish
          rollout      Roll a release out to an environment, or continue, pause or abort a rollout
          rollback     Switch an environment back to its previous good release, fast
          status       Show each host's version, health and lock, and any unfinished rollout
          history      Show who deployed what, when, and how it ended, merged from every host
          unlock       Remove a stuck lock from every host of an environment (recorded in history)
          schema       Print the JSON Schema of tug.yaml on stdout
          completions  Print the shell completion script for SHELL on stdout
          ci           Write the CI pipeline that builds, merges, signs, publishes and rolls out a release
          help         Print this message or the help of the given subcommand(s)

        Options:
          -c, --config <PATH>
                  Use this config file instead of the tug.yaml found by walking up from the current
                  directory

              --dist <DIR>
                  Read and write the release in this directory [default: dist]

          -v, --verbose...
                  Show diagnostics on stderr (-v debug, -vv trace)

          -q, --quiet
                  Print only warnings and errors on stderr

              --json
                  Print one JSON event per line on stdout instead of human output

              --no-progress
                  Never draw progress bars

              --no-color
                  Never use colour (also: NO_COLOR)

          -y, --yes
                  Answer yes to every confirmation prompt

          -h, --help
                  Print help (see a summary with '-h')

          -V, --version
                  Print version

        Exit codes:
          0  success
          1  failure
          2  usage or configuration error
          3  release checks failed
          4  rollout failed and was rolled back
          5  lock held by someone else
          6  rollout paused, waiting for a human (`tug rollout promote`)
          7  failed and not fully reverted (the environment is mixed: the hosts are named)
        --- stderr
        ");
}

#[test]
fn version_prints_name_and_version() {
    let out = run(tug_cli().arg("--version"));
    insta::assert_snapshot!(out.snapshot(&[]), @r"
        exit: 0
        --- stdout
        tug 0.1.0
        --- stderr
        ");
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let out = run(tug_cli().arg("frobnicate"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("unrecognized subcommand 'frobnicate'"),
        "{}",
        out.stderr
    );
}

/// The files under the generated directories as recorded in the git index of `root`, which must
/// be the top of a git checkout: the working tree is what build.rs has just regenerated, so
/// comparing with it would prove nothing. Without a git index there is nothing to compare with,
/// and that is an error, never a pass.
fn index_files(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, git2::Error> {
    let repo = git2::Repository::open(root)?;
    let index = repo.index()?;
    let mut files = BTreeMap::new();
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        let generated = tug::generate::GENERATED_DIRS
            .iter()
            .any(|dir| path.strip_prefix(dir).is_some_and(|p| p.starts_with('/')));
        if generated {
            files.insert(path, repo.find_blob(entry.id)?.content().to_vec());
        }
    }
    Ok(files)
}

/// This repository's committed generated files; panics (fails the test) outside a git checkout.
fn committed_generated_files() -> BTreeMap<String, Vec<u8>> {
    index_files(&repo_root()).unwrap_or_else(|e| {
        panic!(
            "{} is not a git checkout ({e}): the staleness test compares completions/ and man/ \
             with the files committed in git, so run it from a clone",
            repo_root().display()
        )
    })
}

#[test]
fn completions_and_man_pages_are_generated_from_the_current_cli_and_committed() {
    let generated = tug::generate::generated_files(&tug::cli::Cli::command()).unwrap();
    let fix = "regenerate with `cargo build` and commit completions/ and man/";
    let stale = tug::generate::stale_files(&generated, &committed_generated_files());
    assert!(stale.is_empty(), "{}\n{fix}", stale.join("\n"));
    let wanted: BTreeSet<String> = generated.iter().map(|f| f.path.clone()).collect();
    // Every shell and a page per subcommand.
    for path in [
        "completions/tug.bash",
        "completions/_tug",
        "completions/tug.fish",
        "completions/_tug.ps1",
        "completions/tug.elv",
        "man/tug.1",
        "man/tug-completions.1",
    ] {
        assert!(wanted.contains(path), "{path} missing from {wanted:?}");
    }
}

/// The comparison reads the git index, not the working tree: a file regenerated on disk but not
/// committed is still stale, and a directory that is not a git checkout is an error.
#[test]
fn staleness_is_judged_against_the_git_index_not_the_working_tree() {
    let tmp = tempdir();
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join("man")).unwrap();
    std::fs::write(repo.join("man/tug.1"), ".TH committed\n").unwrap();
    std::fs::write(repo.join("README"), "not generated\n").unwrap();
    git_init_commit(repo, None);
    // What build.rs would do: rewrite the file on disk.
    std::fs::write(repo.join("man/tug.1"), ".TH regenerated\n").unwrap();
    std::fs::write(repo.join("man/tug-new.1"), ".TH new\n").unwrap();

    let committed = index_files(repo).unwrap();
    assert_eq!(
        committed,
        BTreeMap::from([("man/tug.1".to_string(), b".TH committed\n".to_vec())])
    );
    let generated = [
        tug::generate::GeneratedFile {
            path: "man/tug.1".into(),
            bytes: b".TH regenerated\n".to_vec(),
        },
        tug::generate::GeneratedFile {
            path: "man/tug-new.1".into(),
            bytes: b".TH new\n".to_vec(),
        },
    ];
    assert_eq!(
        tug::generate::stale_files(&generated, &committed),
        ["man/tug.1 is stale", "man/tug-new.1 is not committed"]
    );

    let plain = tempdir();
    std::fs::create_dir_all(plain.path().join("man")).unwrap();
    assert!(
        index_files(plain.path()).is_err(),
        "no git index is an error"
    );
}

/// Render a man page to text the way `man ./man/tug.1` would, with warnings as errors.
fn render_man(page: &str) -> String {
    let path = repo_root().join(page);
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-rLL=100n"])
        .arg(&path)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("groff is installed by scripts/install-test-deps.sh (groff-base)");
    assert!(
        out.status.success(),
        "groff failed on {page}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "groff warnings on {page}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Remove overstrike/escape sequences groff uses for bold and underline.
    let text = String::from_utf8(out.stdout).unwrap();
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{8}' {
            plain.pop();
        } else if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn man_pages_render_and_list_the_exit_codes() {
    let pages: Vec<String> = tug::generate::generated_files(&tug::cli::Cli::command())
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .filter(|p| p.starts_with("man/"))
        .collect();
    for page in &pages {
        let text = render_man(page);
        assert!(
            text.contains("NAME") && text.contains("SYNOPSIS"),
            "{page}:\n{text}"
        );
        assert!(
            text.contains("EXIT STATUS"),
            "{page} lacks EXIT STATUS:\n{text}"
        );
        for (code, meaning) in tug::cli::EXIT_CODES {
            let line = text.lines().position(|l| {
                l.trim() == code.to_string() || l.trim().starts_with(&format!("{code} "))
            });
            assert!(
                line.is_some() && text.contains(meaning),
                "{page} lacks exit code {code}:\n{text}"
            );
        }
    }
    let top = render_man("man/tug.1");
    assert!(top.contains("tug-completions(1)"), "{top}");
    assert!(!top.contains("tug-help"), "{top}");
}

#[test]
fn readme_documents_every_exit_code() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    for (code, meaning) in tug::cli::EXIT_CODES {
        let row = format!("| {code} | {meaning} |");
        assert!(
            readme.contains(&row),
            "README.md lacks the exit code row `{row}`"
        );
    }
}
