//! tug.yaml under attack: a corpus of broken configurations kept in the repository
//! (`tests/testdata/config/broken/*.yaml`, each with a first-line comment `# what | expect:
//! fragment`), and a seeded mutation test over the valid ones (`tests/testdata/config/valid/`):
//! deleted, duplicated and retyped keys, truncation, invalid UTF-8, huge values, deep nesting,
//! anchors, aliases and merge keys, and a 10 MB file. The loader runs in-process (fast); a few
//! cases go through the `tug check` binary for the exit code. Properties: no panic; an invalid
//! file is an error whose every problem has a `file:line:column`; a file made invalid on purpose
//! is never accepted.

use std::path::{Path, PathBuf};

use crate::harness::*;

fn corpus(dir: &str) -> Vec<(PathBuf, String)> {
    let root = repo_root().join("tests/testdata/config").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// Load `text` in-process as `tug check` does without Go (the loader, then the targets against
/// tug's built-in list); `Err` holds the rendered problems. Panics if any is unlocated or
/// located outside the file.
fn load(text: &str) -> Result<(), String> {
    let mut diags = match tug::config::parse(Path::new("tug.yaml"), text) {
        Ok((_, warnings)) => warnings,
        Err(e) => e.diagnostics().to_vec(),
    };
    if let Ok(tree) = tug::config::tree::parse(text) {
        let mut v = tug::config::Validator::with_source(Path::new("tug.yaml"), text);
        tug::config::targets::check(&tree, &tug::config::targets::Platforms::Builtin, &mut v);
        diags.extend(v.diagnostics);
    }
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == tug::config::Severity::Error)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let lines = text.lines().count() as u64 + 1;
    for d in &errors {
        assert!(
            d.line >= 1 && d.line <= lines && d.column >= 1,
            "unlocated or out-of-file diagnostic {d:?} for:\n{}",
            preview(text)
        );
    }
    Err(errors
        .iter()
        .map(|d| d.render(text))
        .collect::<Vec<_>>()
        .join("\n"))
}

fn preview(text: &str) -> String {
    text.chars().take(2000).collect()
}

#[test]
fn every_broken_config_of_the_corpus_is_refused_with_its_message() {
    let cases = corpus("broken");
    assert!(cases.len() >= 40, "the corpus has {} files", cases.len());
    for (path, text) in &cases {
        let first = text.lines().next().unwrap();
        let expect = first
            .split_once("| expect: ")
            .unwrap_or_else(|| {
                panic!(
                    "{}: first line needs `# what | expect: fragment`",
                    path.display()
                )
            })
            .1
            .trim();
        let err = load(text).expect_err(&format!("{} was accepted", path.display()));
        assert!(
            err.contains(expect),
            "{}: expected {expect:?} in:\n{err}",
            path.display()
        );
    }
}

#[test]
fn the_valid_seeds_load() {
    for (path, text) in corpus("valid") {
        assert_eq!(load(&text), Ok(()), "{}", path.display());
    }
}

#[test]
fn broken_configs_through_the_binary_exit_2_with_a_location() {
    for name in [
        "six-typos",
        "sign-literal-password",
        "yaml-syntax",
        "env-duplicate-host",
    ] {
        let text = std::fs::read_to_string(
            repo_root().join(format!("tests/testdata/config/broken/{name}.yaml")),
        )
        .unwrap();
        let dir = tempdir();
        std::fs::write(dir.path().join("tug.yaml"), &text).unwrap();
        let out = run(tug(dir.path()).arg("check"));
        assert_eq!(out.code, 2, "{name}: {out:?}");
        assert!(
            out.stderr.starts_with("error: tug.yaml:"),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("hint: "), "{name}: {}", out.stderr);
    }
    // Invalid UTF-8 is a located configuration error too, not an I/O failure.
    let dir = tempdir();
    std::fs::write(
        dir.path().join("tug.yaml"),
        b"version: 1\nproject:\n  name: h\xffllo\n",
    )
    .unwrap();
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("tug.yaml:3:10: tug.yaml must be UTF-8 text"),
        "{}",
        out.stderr
    );
}

/// xorshift64*: a seeded generator, so a failure is reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `text`; `true` when the result is invalid by construction.
fn mutate(text: &str, rng: &mut Rng) -> (String, bool, &'static str) {
    let lines: Vec<&str> = text.lines().collect();
    let i = rng.below(lines.len());
    let with = |f: &dyn Fn(&mut Vec<String>)| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        f(&mut l);
        l.join("\n") + "\n"
    };
    match rng.below(11) {
        0 => (
            with(&|l| {
                l.remove(i);
            }),
            false,
            "delete a line",
        ),
        1 => (
            with(&|l| l.insert(i, l[i].clone())),
            false,
            "duplicate a line",
        ),
        2 => {
            let values = [
                "[1, 2]", "{a: 1}", "123", "true", "~", "\"x\"", "-1", "1e999", "[[[]]]", "''",
            ];
            let value = values[rng.below(values.len())];
            (
                with(&|l| {
                    if let Some((k, _)) = l[i].split_once(": ") {
                        l[i] = format!("{k}: {value}");
                    }
                }),
                false,
                "retype a value",
            )
        }
        3 => {
            let mut cut = rng.below(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            (text[..cut].to_string(), false, "truncate")
        }
        4 => (
            format!("{text}zz_unknown_{}: 1\n", rng.below(100)),
            true,
            "unknown top-level key",
        ),
        5 => {
            let huge = "x".repeat(1 << 20);
            (
                with(&|l| {
                    if let Some((k, _)) = l[i].split_once(": ") {
                        l[i] = format!("{k}: \"{huge}\"");
                    }
                }),
                false,
                "huge value",
            )
        }
        6 => {
            let depth = 50 + rng.below(5000);
            (
                format!("{text}deep: {}{}\n", "[".repeat(depth), "]".repeat(depth)),
                true,
                "deep nesting",
            )
        }
        7 => (
            with(&|l| {
                if let Some((k, _)) = l[i].split_once(": ") {
                    l[i] = format!("{k}: *no_such_anchor");
                }
            }),
            lines[i].contains(": ") && !lines[i].trim_start().starts_with('#'),
            "undefined alias",
        ),
        8 => (
            format!(
                "{text}merged:\n  <<: *{}\n",
                ["build", "host", "nope"][rng.below(3)]
            ),
            true,
            "merge key at the top level",
        ),
        9 => (
            text.replacen("version: 1", "version: 2", 1),
            text.contains("version: 1"),
            "version 2",
        ),
        _ => {
            let key = ["targt", "buidls", "publsh", "stratgy", "hots", "restrat"][rng.below(6)];
            let indent = lines[i].len() - lines[i].trim_start().len();
            (
                with(&|l| l.insert(i + 1, format!("{}{key}: 1", " ".repeat(indent)))),
                false,
                "insert a typo key",
            )
        }
    }
}

#[test]
fn mutated_configs_never_panic_and_are_refused_with_a_location() {
    let seeds = corpus("valid");
    let started = std::time::Instant::now();
    let mut refused = 0;
    for seed in 1..=400u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let (path, text) = &seeds[rng.below(seeds.len())];
        let (mut mutant, mut invalid, mut what) = mutate(text, &mut rng);
        if rng.below(3) == 0 {
            let (again, inv2, w2) = mutate(&mutant, &mut rng);
            mutant = again;
            // The second mutation may undo the first (delete the line it added).
            invalid = inv2;
            what = w2;
        }
        let result = std::panic::catch_unwind(|| load(&mutant));
        let result = result.unwrap_or_else(|_| {
            panic!(
                "seed {seed} ({what} of {}) panicked:\n{}",
                path.display(),
                preview(&mutant)
            )
        });
        match result {
            Ok(()) => assert!(
                !invalid,
                "seed {seed} ({what} of {}) accepted an invalid file:\n{}",
                path.display(),
                preview(&mutant)
            ),
            Err(_) => refused += 1,
        }
    }
    assert!(
        refused > 100,
        "only {refused} of 400 mutants were refused: the mutator is too weak"
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn invalid_utf8_and_a_10_mb_file_are_located_errors() {
    let dir = tempdir();
    let path = dir.path().join("tug.yaml");
    let (_, seed) = &corpus("valid")[0];
    for cut in [0, 1, seed.len() / 2, seed.len()] {
        let mut bytes = seed.as_bytes()[..cut].to_vec();
        bytes.extend_from_slice(b"\xc3\x28 bad");
        std::fs::write(&path, &bytes).unwrap();
        let err = tug::config::load_file(&path).unwrap_err();
        let d = &err.diagnostics()[0];
        assert!(d.line >= 1 && d.message.contains("UTF-8"), "{d:?}");
    }
    // 10 MB: a valid config with a huge comment loads; with a huge unknown key it is refused.
    let big = format!("{seed}# {}\n", "y".repeat(10 << 20));
    let started = std::time::Instant::now();
    assert_eq!(load(&big), Ok(()));
    let bad = format!("{seed}zz_big: \"{}\"\n", "y".repeat(10 << 20));
    let err = load(&bad).unwrap_err();
    assert!(err.contains("unknown key `zz_big`"), "{}", preview(&err));
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn fifty_mistakes_are_fifty_errors_in_one_run() {
    // The same file bench/config times.
    let mut text = String::from("version: 1\nbuilds:\n");
    for i in 0..20 {
        text.push_str(&format!("  - id: b{i}\n    ldflag{i}: x\n"));
    }
    text.push_str("environments:\n");
    for i in 0..15 {
        text.push_str(&format!(
            "  e{i}:\n    target:\n      hosts: [{{name: h, path: h{i}}}]\n    restart: \"run {{{{ adress }}}}\"\n    health_check:\n      tcp: \"{{{{ hots }}}}:80\"\n"
        ));
    }
    let err = tug::config::parse(Path::new("tug.yaml"), &text).unwrap_err();
    assert_eq!(err.diagnostics().len(), 50, "{err}");
    let started = std::time::Instant::now();
    let dir = tempdir();
    std::fs::write(dir.path().join("tug.yaml"), &text).unwrap();
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.matches("\nerror: tug.yaml:").count() + 1,
        50,
        "{}",
        out.stderr
    );
    assert!(
        started.elapsed().as_millis() < 2000,
        "{:?}",
        started.elapsed()
    );
}
