//! Generates shell completions (completions/) and man pages (man/) from the clap definition in
//! src/cli/, the same one the binary parses with. The output is committed; a test fails when it is
//! stale, so a CLI change must be followed by a build and a commit of the regenerated files.

use std::path::Path;

#[path = "src/cli/mod.rs"]
#[allow(dead_code)]
mod cli;

use clap::CommandFactory;
use clap_complete::Shell;

fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes)
}

fn man_pages(dir: &Path, cmd: &clap::Command, prefix: &str) -> std::io::Result<()> {
    let name = if prefix.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{prefix}-{}", cmd.get_name())
    };
    let page = cmd.clone().name(name.clone());
    let mut buf = Vec::new();
    clap_mangen::Man::new(page).render(&mut buf)?;
    write_if_changed(&dir.join(format!("{name}.1")), &buf)?;
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            man_pages(dir, sub, &name)?;
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = cli::Cli::command();
    cmd.build();

    let completions = root.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "tug", &mut buf);
        let file = match shell {
            Shell::Bash => "tug.bash",
            Shell::Zsh => "_tug",
            Shell::Fish => "tug.fish",
            Shell::PowerShell => "_tug.ps1",
            Shell::Elvish => "tug.elv",
            _ => unreachable!(),
        };
        write_if_changed(&completions.join(file), &buf)?;
    }

    let man = root.join("man");
    std::fs::create_dir_all(&man)?;
    man_pages(&man, &cmd, "")?;
    Ok(())
}
