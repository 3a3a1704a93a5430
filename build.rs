//! Generates shell completions (completions/) and man pages (man/) from the clap definition in
//! src/cli/, the same one the binary parses with, through src/generate.rs (shared with the tests
//! and `tug completions`). The output is committed; a test fails when the committed copies are
//! stale, so a CLI change must be followed by a build and a commit of the regenerated files.
//! Files in completions/ and man/ that the CLI no longer produces (a removed subcommand) are
//! deleted. Output is deterministic: no dates, no paths.

use std::collections::BTreeSet;
use std::path::Path;

#[path = "src/cli/mod.rs"]
#[allow(dead_code)]
mod cli;

#[path = "src/generate.rs"]
#[allow(dead_code)]
mod generate;

use clap::CommandFactory;

fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes)
}

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli");
    println!("cargo:rerun-if-changed=src/generate.rs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = generate::generated_files(&cli::Cli::command())?;

    for dir in generate::GENERATED_DIRS {
        std::fs::create_dir_all(root.join(dir))?;
    }
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for file in &files {
        write_if_changed(&root.join(&file.path), &file.bytes)?;
    }
    for dir in generate::GENERATED_DIRS {
        for entry in std::fs::read_dir(root.join(dir))? {
            let entry = entry?;
            let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if entry.file_type()?.is_file() && !wanted.contains(rel.as_str()) {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}
