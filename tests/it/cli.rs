//! The command-line surface: help, version, completions and the generated files.

use crate::harness::*;

#[test]
fn completions_bash_matches_committed_file() {
    let out = ok(tug(&repo_root()).args(["completions", "bash"]));
    let committed = std::fs::read_to_string(repo_root().join("completions/tug.bash")).unwrap();
    assert_eq!(out, committed, "completions/ is stale: run `cargo build` and commit");
    assert!(out.contains("complete -F _tug"));
}
