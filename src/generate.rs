//! The files generated from the clap tree: shell completions (`completions/`) and man pages
//! (`man/`), with their names. One definition serves three users: `build.rs` writes the files on
//! every build, the integration tests regenerate them to prove the committed copies are not stale,
//! and `tug completions SHELL` prints the same scripts at run time.
//!
//! `build.rs` includes this file next to `src/cli/mod.rs`, so it may use only `clap`,
//! `clap_complete`, `clap_mangen`, `std` and `crate::cli`. Output must be deterministic (no dates,
//! no paths): the committed files are compared byte for byte.

use std::io::Write;

use clap_complete::Shell;

use crate::cli::EXIT_CODES;

/// Every shell we generate a completion script for, with its file name under `completions/`.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "tug.bash"),
    (Shell::Zsh, "_tug"),
    (Shell::Fish, "tug.fish"),
    (Shell::PowerShell, "_tug.ps1"),
    (Shell::Elvish, "tug.elv"),
];

/// One generated file: its path relative to the repository root (`completions/tug.bash`,
/// `man/tug-check.1`) and its exact contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The completion script for `shell`, exactly as `tug completions SHELL` prints it.
pub fn completion_script(cmd: &clap::Command, shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd.clone(), "tug", &mut buf);
    buf
}

/// Every completion script and man page for `cmd` (the root `tug` command), sorted by path.
pub fn generated_files(cmd: &clap::Command) -> std::io::Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    for (shell, name) in SHELLS {
        files.push(GeneratedFile {
            path: format!("completions/{name}"),
            bytes: completion_script(cmd, shell),
        });
    }
    // Man pages list real subcommands only: `tug help` has no page of its own.
    let mut man_root = cmd.clone().disable_help_subcommand(true);
    man_root.build();
    man_pages(&man_root, true, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The directories whose contents are entirely generated (a file there that `generated_files`
/// does not produce is stale and gets removed by `build.rs`).
pub const GENERATED_DIRS: [&str; 2] = ["completions", "man"];

/// `tug.1` for the root, `tug-<sub>.1` (and `tug-<sub>-<subsub>.1`) for each subcommand.
fn man_pages(cmd: &clap::Command, root: bool, out: &mut Vec<GeneratedFile>) -> std::io::Result<()> {
    let version = cmd.get_version().unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone()).source(format!("tug {version}"));
    let mut page = Vec::new();
    // Each render_* call starts with the same two-line roff preamble; keep only the first.
    let mut section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        render(&mut buf)?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        let body = if page.is_empty() {
            &text[..]
        } else {
            text.strip_prefix(ROFF_PREAMBLE).unwrap_or(&text)
        };
        page.extend_from_slice(body.as_bytes());
        std::io::Result::Ok(())
    };
    section(&|w| man.render_title(w))?;
    section(&|w| man.render_name_section(w))?;
    section(&|w| man.render_synopsis_section(w))?;
    section(&|w| man.render_description_section(w))?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        section(&|w| man.render_options_section(w))?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        section(&|w| man.render_subcommands_section(w))?;
    }
    // The root's long help ends with the exit codes, which get their own section below.
    if !root && (cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some()) {
        section(&|w| man.render_extra_section(w))?;
    }
    write_exit_status(&mut page)?;
    if !root {
        writeln!(page, ".SH \"SEE ALSO\"\n\\fBtug\\fR(1)")?;
    }
    if cmd.get_version().is_some() {
        let mut buf = Vec::new();
        man.render_version_section(&mut buf)?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        page.extend_from_slice(text.strip_prefix(ROFF_PREAMBLE).unwrap_or(&text).as_bytes());
    }
    out.push(GeneratedFile {
        path: format!("man/{}", man.get_filename()),
        bytes: page,
    });
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, false, out)?;
    }
    Ok(())
}

/// What clap_mangen puts before every rendered piece (a string definition for apostrophes).
const ROFF_PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// The EXIT STATUS section: the same table as `tug --help`, the README and `ExitCode`.
fn write_exit_status(page: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(page, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in EXIT_CODES {
        writeln!(page, ".TP\n\\fB{code}\\fR\n{}", roff_escape(meaning))?;
    }
    Ok(())
}

/// Escape text for a roff text line (backslashes and hyphens; a leading dot or quote would be
/// read as a request).
fn roff_escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn exit_codes_in_help_match_the_exit_code_type() {
        let documented: Vec<(u8, &str)> = crate::error::ExitCode::ALL
            .iter()
            .map(|(code, meaning)| (code.code() as u8, *meaning))
            .collect();
        assert_eq!(documented, EXIT_CODES.to_vec());
    }

    #[test]
    fn every_page_has_the_exit_status_section() {
        let files = generated_files(&crate::cli::Cli::command()).unwrap();
        let pages: Vec<_> = files
            .iter()
            .filter(|f| f.path.starts_with("man/"))
            .collect();
        assert!(pages.iter().any(|f| f.path == "man/tug.1"));
        assert!(!pages.iter().any(|f| f.path == "man/tug-help.1"));
        for page in pages {
            let text = String::from_utf8_lossy(&page.bytes);
            assert!(
                text.contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nsuccess\n"),
                "{}",
                page.path
            );
            assert!(!text.contains(".SH EXTRA") || page.path != "man/tug.1");
        }
    }

    #[test]
    fn roff_escape_protects_hyphens_and_requests() {
        assert_eq!(roff_escape("a-b \\ c"), "a\\-b \\e c");
        assert_eq!(roff_escape(".x"), "\\&.x");
    }
}
