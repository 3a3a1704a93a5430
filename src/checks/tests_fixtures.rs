//! Every release check against fixture repositories built here with the real git (fixed identity
//! and dates, so commit ids are reproducible): one passing and one failing case per check, with
//! the exact message. The API and tidy checks use the real Go toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::*;

const GOMOD: &str = "module example.com/app\n\ngo 1.22\n";
const APP: &str = "package app\n\n// Hello greets.\nfunc Hello() string { return \"hi\" }\n";

/// Point tug at the project's Go (scripts/go.sh), a shared GOCACHE and a test helper cache.
fn setup_go() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new("bash")
            .arg(root.join("scripts/go.sh"))
            .output()
            .expect("scripts/go.sh");
        let go = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let target = root.join("target/tmp");
        // Tests only ever set these to the same values, so concurrent setting is harmless.
        std::env::set_var("TUG_GO", go);
        if std::env::var_os("GOCACHE").is_none() {
            std::env::set_var("GOCACHE", target.join("gocache"));
        }
        std::env::set_var("GOPROXY", "off");
    });
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Tug Test")
        .env("GIT_AUTHOR_EMAIL", "test@tug.invalid")
        .env("GIT_COMMITTER_NAME", "Tug Test")
        .env("GIT_COMMITTER_EMAIL", "test@tug.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A temp repository outside any other git repository.
struct Fixture {
    tmp: tempfile::TempDir,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        let tmp = tempfile::Builder::new()
            .prefix("tug-checks-")
            .tempdir_in(std::env::temp_dir())
            .unwrap();
        let f = Fixture { tmp };
        f.write(files);
        git(f.dir(), &["init", "-q", "-b", "main"]);
        f.commit("feat: initial");
        f
    }

    fn go(files: &[(&str, &str)]) -> Fixture {
        let mut all = vec![("go.mod", GOMOD), ("app.go", APP)];
        for (name, text) in files {
            all.retain(|(n, _)| n != name);
            all.push((name, text));
        }
        Fixture::new(&all)
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn write(&self, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = self.dir().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn commit(&self, msg: &str) {
        git(self.dir(), &["add", "-A"]);
        git(self.dir(), &["commit", "-q", "--allow-empty", "-m", msg]);
    }

    fn tag(&self, tag: &str) {
        git(self.dir(), &["tag", "-a", tag, "-m", tag]);
    }

    fn head(&self) -> String {
        git(self.dir(), &["rev-parse", "--short=7", "HEAD"])
    }

    fn input(&self) -> ReleaseInput {
        self.input_in("")
    }

    fn input_in(&self, sub: &str) -> ReleaseInput {
        let mut config = ChecksConfig::default();
        for id in [CheckId::Tidy, CheckId::ApiCompat] {
            config.severity.insert(id, CheckLevel::Off);
        }
        setup_go();
        ReleaseInput {
            module_dir: self.dir().join(sub),
            config,
            cache_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tmp/tug-cache")),
            // The checks find go through the run's TUG_GO/PATH; here that is the test process's.
            go: crate::checks::gotool::ToolPaths::from_env(
                &crate::config::env::EnvSnapshot::capture(),
            ),
            ..Default::default()
        }
    }
}

fn with_version(mut input: ReleaseInput, v: &str) -> ReleaseInput {
    input.version = Some(v.into());
    input
}

fn check(input: &ReleaseInput) -> Report {
    setup_go();
    run_release_checks(input).unwrap()
}

/// The findings of one check as `severity message` lines.
fn of(report: &Report, id: CheckId) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.check == id)
        .map(|f| format!("{} {}", f.severity.as_str(), f.message))
        .collect()
}

fn one(report: &Report, id: CheckId) -> Finding {
    let found: Vec<_> = report.findings.iter().filter(|f| f.check == id).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {id:?} finding, got {:#?}",
        report.findings
    );
    found[0].clone()
}

fn none(report: &Report, id: CheckId) {
    assert_eq!(
        of(report, id),
        Vec::<String>::new(),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_clean_tagged_release_passes_everything() {
    let f = Fixture::go(&[]);
    f.tag("v1.0.0");
    let r = check(&f.input());
    assert_eq!(r.findings, vec![], "{:#?}", r.findings);
    assert_eq!(r.tag.as_deref(), Some("v1.0.0"));
}

#[test]
fn git_repo() {
    let tmp = tempfile::Builder::new()
        .prefix("tug-nogit-")
        .tempdir_in(std::env::temp_dir())
        .unwrap();
    std::fs::write(tmp.path().join("go.mod"), GOMOD).unwrap();
    let r = check(&ReleaseInput {
        module_dir: tmp.path().into(),
        ..Fixture::go(&[]).input()
    });
    let f = one(&r, CheckId::GitRepo);
    let dir = tmp.path().canonicalize().unwrap();
    assert_eq!(
        f.message,
        format!("{} is not inside a git repository", dir.display())
    );
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn shallow_clone() {
    let f = Fixture::go(&[]);
    f.commit("second");
    f.tag("v1.0.0");
    none(&check(&f.input()), CheckId::ShallowClone);
    let clone = tempfile::Builder::new()
        .prefix("tug-shallow-")
        .tempdir_in(std::env::temp_dir())
        .unwrap();
    let url = format!("file://{}", f.dir().display());
    git(
        clone.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "v1.0.0", &url, "c",
        ],
    );
    let r = check(&ReleaseInput {
        module_dir: clone.path().join("c"),
        ..f.input()
    });
    assert_eq!(
        of(&r, CheckId::ShallowClone),
        ["warning the repository is a shallow clone: the previous tag and the release notes may be wrong"]
    );
}

#[test]
fn clean_tree() {
    let f = Fixture::go(&[]);
    f.tag("v1.0.0");
    none(&check(&f.input()), CheckId::CleanTree);
    f.write(&[("app.go", "package app\n"), ("dist/app", "binary")]);
    let r = check(&f.input());
    let finding = one(&r, CheckId::CleanTree);
    assert_eq!(
        finding.message,
        "the working tree has 2 uncommitted changes"
    );
    assert_eq!(finding.details, ["modified: app.go", "untracked: dist/app"]);
    assert_eq!(
        finding.hint.as_deref(),
        Some("add dist/ to .gitignore; commit or stash the other changes (git stash -u)")
    );
    assert!(r.has_errors());
}

#[test]
fn clean_tree_is_an_error_when_the_status_cannot_be_read() {
    let f = Fixture::go(&[]);
    f.tag("v1.0.0");
    std::fs::write(f.dir().join(".git/index"), "not an index").unwrap();
    let finding = one(&check(&f.input()), CheckId::CleanTree);
    assert!(
        finding
            .message
            .starts_with("cannot read the working tree status: "),
        "{}",
        finding.message
    );
}

#[test]
fn tag_on_head() {
    let f = Fixture::go(&[]);
    let r = check(&f.input());
    assert_eq!(
        of(&r, CheckId::TagOnHead),
        [format!("error HEAD ({}) has no release tag", f.head())]
    );
    f.tag("v0.1.0");
    none(&check(&f.input()), CheckId::TagOnHead);
}

#[test]
fn tag_syntax() {
    let f = Fixture::go(&[]);
    f.tag("v1.2");
    let r = check(&f.input());
    assert_eq!(
        of(&r, CheckId::TagSyntax),
        ["error tag 'v1.2' on HEAD is not a release tag: 'v1.2' is not canonical semver: it needs all of MAJOR.MINOR.PATCH (v1.2.3)"]
    );
    let r = check(&with_version(f.input(), "v1.2.3+build.5"));
    assert_eq!(
        of(&r, CheckId::TagSyntax),
        ["error version 'v1.2.3+build.5' has build metadata (+...), which Go module versions cannot carry"]
    );
    let r = check(&with_version(f.input(), "v1.02.3"));
    assert_eq!(of(&r, CheckId::TagSyntax).len(), 1);
    let r = check(&with_version(f.input(), "v1.2.3-rc.1"));
    none(&r, CheckId::TagSyntax);
    assert!(r.notes.iter().any(|n| n == "tag v1.2.3-rc.1 does not exist yet: create it on HEAD with git tag -a v1.2.3-rc.1 -m v1.2.3-rc.1"), "{:?}", r.notes);
    assert!(
        r.notes.contains(
            &"1 tag not of this release scheme (vMAJOR.MINOR.PATCH) skipped: v1.2".to_string()
        ),
        "{:?}",
        r.notes
    );
}

#[test]
fn tag_prefix_of_a_module_in_a_subdirectory() {
    let f = Fixture::new(&[
        (
            "tools/cli/go.mod",
            "module example.com/repo/tools/cli\n\ngo 1.22\n",
        ),
        ("tools/cli/a.go", APP),
    ]);
    f.tag("v1.0.0");
    let r = check(&f.input_in("tools/cli"));
    let finding = one(&r, CheckId::TagOnHead);
    assert_eq!(
        finding.hint.as_deref(),
        Some("HEAD is tagged 'v1.0.0', but this module's tags look like 'tools/cli/v1.2.3'")
    );
    f.tag("tools/cli/v1.0.0");
    let r = check(&f.input_in("tools/cli"));
    assert_eq!(r.findings, vec![]);
    assert_eq!(r.tag.as_deref(), Some("tools/cli/v1.0.0"));
    // A configured prefix that the go command would not find.
    let mut input = f.input_in("tools/cli");
    input.config.tag_prefix = Some("cli/".into());
    let r = check(&input);
    assert!(of(&r, CheckId::TagSyntax)[0].starts_with(
        "error tag prefix 'cli/' does not match the module directory: the go command only finds tags named 'tools/cli/vX.Y.Z'"
    ));
}

#[test]
fn major_version() {
    let f = Fixture::go(&[]);
    f.tag("v2.0.0");
    let r = check(&f.input());
    let finding = one(&r, CheckId::MajorVersion);
    assert_eq!(
        finding.message,
        "version v2 needs the module path to end in /v2, but it is example.com/app"
    );
    assert_eq!(finding.location, Some(FileLocation::new("go.mod", 1, 1)));
    let f = Fixture::go(&[("go.mod", "module example.com/app/v3\n\ngo 1.22\n")]);
    f.tag("v2.0.0");
    assert_eq!(
        of(&check(&f.input()), CheckId::MajorVersion),
        ["error module path example.com/app/v3 has major version suffix /v3, so it cannot be tagged v2"]
    );
    let f = Fixture::go(&[("go.mod", "module example.com/app/v2\n\ngo 1.22\n")]);
    f.tag("v2.0.0");
    none(&check(&f.input()), CheckId::MajorVersion);
    // Major subdirectory layout: v2/ holds example.com/app/v2, tagged v2.x without a prefix.
    let f = Fixture::go(&[
        ("v2/go.mod", "module example.com/app/v2\n\ngo 1.22\n"),
        ("v2/app.go", APP),
    ]);
    f.tag("v2.1.0");
    let r = check(&f.input_in("v2"));
    assert_eq!(r.findings, vec![]);
    assert_eq!(r.tag.as_deref(), Some("v2.1.0"));
}

#[test]
fn tag_reused() {
    let f = Fixture::go(&[]);
    f.tag("v1.0.0");
    let first = f.head();
    f.commit("second");
    let r = check(&with_version(f.input(), "v1.0.0"));
    assert_eq!(
        of(&r, CheckId::TagReused),
        [format!(
            "error tag v1.0.0 already exists on commit {first}, not on HEAD ({})",
            f.head()
        )]
    );
    none(
        &check(&with_version(f.input(), "v1.0.1")),
        CheckId::TagReused,
    );
}

#[test]
fn version_monotonic_and_backport() {
    let f = Fixture::go(&[]);
    f.tag("v1.2.0");
    f.commit("second");
    f.tag("v1.2.1");
    f.commit("third");
    f.tag("v1.3.0");
    f.commit("fourth");
    let r = check(&with_version(f.input(), "v1.2.5"));
    let finding = one(&r, CheckId::VersionMonotonic);
    assert_eq!(
        finding.message,
        "v1.2.5 is not above the latest v1 release v1.3.0"
    );
    assert_eq!(
        finding.hint.as_deref(),
        Some("release v1.3.1 or newer, or pass --backport for a patch on an older line")
    );
    none(
        &check(&with_version(f.input(), "v1.3.1")),
        CheckId::VersionMonotonic,
    );
    // Another major line does not count.
    none(
        &check(&with_version(f.input(), "v0.9.0")),
        CheckId::VersionMonotonic,
    );
    let mut backport = with_version(f.input(), "v1.2.2");
    backport.backport = true;
    none(&check(&backport), CheckId::VersionMonotonic);
    backport.version = Some("v1.2.0-rc.1".into());
    assert_eq!(
        of(&check(&backport), CheckId::VersionMonotonic),
        ["error backport v1.2.0-rc.1 is not above the latest v1.2 release v1.2.1"]
    );
}

#[test]
fn branch() {
    let f = Fixture::go(&[]);
    f.tag("v1.0.0");
    none(&check(&f.input()), CheckId::Branch);
    git(f.dir(), &["checkout", "-q", "-b", "feature/x"]);
    assert_eq!(
        of(&check(&f.input()), CheckId::Branch),
        ["error branch 'feature/x' is not allowed for releases (allowed: main, master, release/*)"]
    );
    git(f.dir(), &["checkout", "-q", "-b", "release/1.x"]);
    none(&check(&f.input()), CheckId::Branch);
    // Detached at a commit that main contains: fine (a CI checkout of the tag).
    git(f.dir(), &["checkout", "-q", "--detach", "v1.0.0"]);
    none(&check(&f.input()), CheckId::Branch);
    // Detached at a commit no allowed branch contains.
    git(f.dir(), &["checkout", "-q", "feature/x"]);
    f.commit("wip");
    git(f.dir(), &["checkout", "-q", "--detach", "HEAD"]);
    assert_eq!(
        of(&check(&f.input()), CheckId::Branch),
        ["error HEAD is detached and not on an allowed branch (allowed: main, master, release/*)"]
    );
    let mut input = f.input();
    input.config.branches = Some(vec![serde_saphyr::Spanned::new(
        "feature/*".into(),
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )]);
    none(&check(&input), CheckId::Branch);
}

#[test]
fn go_mod_well_formed_and_path() {
    let f = Fixture::go(&[("go.mod", "module example.com/app\n\nfrobnicate 1\n")]);
    f.tag("v1.0.0");
    let finding = one(&check(&f.input()), CheckId::GoMod);
    assert_eq!(
        finding.message,
        "go.mod is malformed: unknown directive: frobnicate"
    );
    assert_eq!(finding.location, Some(FileLocation::new("go.mod", 3, 1)));
    let f = Fixture::go(&[("go.mod", "module MyApp\n\ngo 1.22\n")]);
    f.tag("v1.0.0");
    assert_eq!(
        of(&check(&f.input()), CheckId::GoMod),
        ["error malformed module path \"MyApp\": missing dot in first path element"]
    );
    let f = Fixture::go(&[("go.mod", "module example.com/app\n")]);
    f.tag("v1.0.0");
    assert_eq!(
        of(&check(&f.input()), CheckId::GoMod),
        ["error go.mod has no go directive"]
    );
}

#[test]
fn replace_and_exclude() {
    let f = Fixture::go(&[(
        "go.mod",
        "module example.com/app\n\ngo 1.22\n\nreplace example.com/lib => ../lib\n\nexclude example.com/bad v0.3.0\n",
    )]);
    f.tag("v1.0.0");
    let r = check(&f.input());
    let replace = one(&r, CheckId::Replace);
    assert_eq!(replace.message, "go.mod replaces example.com/lib => ../lib");
    assert_eq!(replace.location, Some(FileLocation::new("go.mod", 5, 1)));
    assert_eq!(replace.severity, Severity::Error);
    let exclude = one(&r, CheckId::Exclude);
    assert_eq!(exclude.message, "go.mod excludes example.com/bad v0.3.0");
    assert_eq!(exclude.severity, Severity::Warning);
    // --strict makes the exclude an error too.
    let mut strict = f.input();
    strict.strict = true;
    assert_eq!(
        of(&check(&strict), CheckId::Exclude),
        ["error go.mod excludes example.com/bad v0.3.0"]
    );
}

#[test]
fn go_sum() {
    let gomod = "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n";
    let f = Fixture::go(&[("go.mod", gomod)]);
    f.tag("v1.0.0");
    assert_eq!(
        of(&check(&f.input()), CheckId::GoSum),
        ["error go.sum is missing but go.mod requires 1 module(s)"]
    );
    f.write(&[("go.sum", "example.com/other v1.0.0/go.mod h1:abc=\n")]);
    let finding = one(&check(&f.input()), CheckId::GoSum);
    assert_eq!(
        finding.message,
        "go.sum has no checksum for example.com/lib v1.0.0"
    );
    assert_eq!(finding.location, Some(FileLocation::new("go.mod", 5, 1)));
    f.write(&[("go.sum", "example.com/lib v1.0.0/go.mod h1:abc=\n")]);
    none(&check(&f.input()), CheckId::GoSum);
}

#[test]
fn tidy_with_real_go() {
    let f = Fixture::go(&[]);
    f.tag("v1.0.0");
    let mut input = f.input();
    input.config.severity.remove(&CheckId::Tidy);
    none(&check(&input), CheckId::Tidy);
    let f = Fixture::go(&[
        (
            "go.mod",
            "module example.com/app\n\ngo 1.22\n\nrequire example.com/unused v1.0.0\n",
        ),
        ("go.sum", "example.com/unused v1.0.0/go.mod h1:abc=\n"),
    ]);
    f.tag("v1.0.0");
    let mut input = f.input();
    input.config.severity.remove(&CheckId::Tidy);
    let finding = one(&check(&input), CheckId::Tidy);
    assert_eq!(finding.message, "go.mod and go.sum are not tidy");
    assert!(
        finding
            .details
            .contains(&"-require example.com/unused v1.0.0".to_string()),
        "{:?}",
        finding.details
    );
}

#[test]
fn retracted() {
    let gomod =
        "module example.com/app\n\ngo 1.22\n\nretract v1.0.1 // published from the wrong branch\n";
    let f = Fixture::go(&[("go.mod", gomod)]);
    let r = check(&with_version(f.input(), "v1.0.1"));
    let finding = one(&r, CheckId::Retracted);
    assert_eq!(
        finding.message,
        "v1.0.1 is retracted by go.mod: retract v1.0.1 (published from the wrong branch)"
    );
    assert_eq!(finding.location, Some(FileLocation::new("go.mod", 5, 1)));
    none(
        &check(&with_version(f.input(), "v1.0.2")),
        CheckId::Retracted,
    );
    let mut only = with_version(f.input(), "v1.0.1");
    only.retraction_only = true;
    none(&check(&only), CheckId::Retracted);
    only.version = Some("v1.0.2".into());
    assert_eq!(
        of(&check(&only), CheckId::Retracted),
        ["error a retraction-only release must retract itself, but go.mod does not retract v1.0.2"]
    );
}

#[test]
fn cargo_version() {
    let toml = "[package]\nname = \"x\"\nversion = \"0.3.0\"\nedition = \"2021\"\n";
    let f = Fixture::new(&[("Cargo.toml", toml)]);
    f.tag("v0.4.0");
    let r = check(&f.input());
    let finding = one(&r, CheckId::CargoVersion);
    assert_eq!(
        finding.message,
        "Cargo.toml version 0.3.0 does not match the release v0.4.0"
    );
    assert_eq!(
        finding.location,
        Some(FileLocation::new("Cargo.toml", 3, 1))
    );
    let f = Fixture::new(&[("Cargo.toml", toml)]);
    f.tag("v0.3.0");
    assert_eq!(check(&f.input()).findings, vec![]);
}

#[test]
fn snapshot_relaxes_tag_and_cleanliness() {
    let f = Fixture::go(&[]);
    f.write(&[("new.go", "package app\n")]);
    let mut input = f.input();
    input.snapshot = true;
    let r = check(&input);
    assert_eq!(r.errors(), 0, "{:#?}", r.findings);
    assert_eq!(r.warnings(), 2);
}

const CLIENT_V1: &str = "package app\n\ntype Client struct{ Name string }\n\nfunc (c *Client) Close() error { return nil }\n\nfunc (c *Client) Do(req string) error { return nil }\n\nfunc Parse(s string) error { return nil }\n";

fn api_fixture(gomod: &str, first: &str, second: &str) -> Fixture {
    let f = Fixture::go(&[
        ("go.mod", gomod),
        ("app.go", first),
        ("internal/x/x.go", "package x\n\nfunc Hidden() {}\n"),
    ]);
    f.tag(first_tag(gomod));
    f.write(&[("app.go", second), ("internal/x/x.go", "package x\n")]);
    f.commit("change the API");
    f
}

fn first_tag(gomod: &str) -> &'static str {
    if gomod.contains("go 1.22") && gomod.contains("/v0") {
        unreachable!()
    }
    "v1.2.0"
}

fn api_input(f: &Fixture, version: Option<&str>) -> ReleaseInput {
    let mut input = f.input();
    input.config.severity.remove(&CheckId::ApiCompat);
    input.version = version.map(str::to_string);
    input
}

#[test]
fn api_break_needs_a_major_version() {
    let second = "package app\n\ntype Client struct{ Name string }\n\nfunc (c *Client) Do(req string, retries int) error { return nil }\n\nfunc Parse(s string) error { return nil }\n";
    let f = api_fixture(GOMOD, CLIENT_V1, second);
    // Without a version: the suggestion, and the tag-on-head hint uses it.
    let r = check(&api_input(&f, None));
    assert_eq!(r.suggested_tag.as_deref(), Some("v2.0.0"));
    let api = r.api.clone().unwrap();
    assert_eq!(api.previous_tag, "v1.2.0");
    assert_eq!(
        api.breaking,
        [
            "removed func (*Client).Close",
            "changed func (*Client).Do(string) error -> (*Client).Do(string, int) error"
        ]
    );
    assert_eq!(
        one(&r, CheckId::TagOnHead).hint.as_deref(),
        Some("tag it: git tag -a v2.0.0 -m v2.0.0 (the version the API changes call for)")
    );
    // A minor release with breaking changes is an error.
    let r = check(&api_input(&f, Some("v1.3.0")));
    let finding = one(&r, CheckId::ApiCompat);
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.message,
        "incompatible API changes since v1.2.0 need a new major version, not v1.3.0"
    );
    assert_eq!(finding.details, api.breaking);
    assert_eq!(
        finding.hint.as_deref(),
        Some("release v2.0.0 with module path example.com/app/v2, or restore what was removed or changed")
    );
}

#[test]
fn api_addition_needs_a_minor_version() {
    let second = format!(
        "{CLIENT_V1}\n// Version reports the version.\nfunc Version() string {{ return \"\" }}\n"
    );
    let f = api_fixture(GOMOD, CLIENT_V1, &second);
    let r = check(&api_input(&f, None));
    assert_eq!(r.suggested_tag.as_deref(), Some("v1.3.0"));
    assert_eq!(
        r.api.as_ref().unwrap().added,
        ["added func Version() string"]
    );
    let finding = one(&check(&api_input(&f, Some("v1.2.1"))), CheckId::ApiCompat);
    assert_eq!(
        finding.message,
        "API additions since v1.2.0 need a new minor version, not the patch release v1.2.1"
    );
    assert_eq!(finding.hint.as_deref(), Some("release v1.3.0"));
    none(&check(&api_input(&f, Some("v1.3.0"))), CheckId::ApiCompat);
}

#[test]
fn api_break_in_v0_only_warns() {
    let f = Fixture::go(&[("app.go", CLIENT_V1)]);
    f.tag("v0.4.0");
    f.write(&[("app.go", "package app\n")]);
    f.commit("remove everything");
    let r = check(&api_input(&f, Some("v0.5.0")));
    let finding = one(&r, CheckId::ApiCompat);
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(
        finding.message,
        "incompatible API changes since v0.4.0 (allowed before v1)"
    );
    assert_eq!(r.suggested_tag.as_deref(), Some("v0.5.0"));
    assert!(!r.has_errors(), "{:#?}", r.findings);
}

#[test]
fn build_info_of_binaries() {
    let tmp = tempfile::tempdir().unwrap();
    let mut blob = b"\xff Go buildinf:\x08\x02".to_vec();
    blob.resize(32, 0);
    let version = b"go1.23.4";
    blob.push(version.len() as u8);
    blob.extend_from_slice(version);
    let mut modinfo = vec![0x30u8; 16];
    modinfo.extend_from_slice(
        b"path\texample.com/app\nmod\texample.com/app\t(devel)\t\nbuild\tvcs.modified=true\n",
    );
    modinfo.extend_from_slice(&[0xf9u8; 16]);
    blob.push(modinfo.len() as u8);
    blob.extend_from_slice(&modinfo);
    let bin = tmp.path().join("app");
    std::fs::write(&bin, &blob).unwrap();
    std::fs::write(tmp.path().join("README"), "not a binary").unwrap();
    let found = check_binaries(&[bin.clone(), tmp.path().join("README")], Some("v1.0.0"));
    let messages: Vec<_> = found
        .iter()
        .map(|f| f.message.replace(&bin.display().to_string(), "app"))
        .collect();
    assert_eq!(
        messages,
        [
            "app: embedded version of example.com/app is (devel), expected v1.0.0",
            "app: built from a modified working tree (vcs.modified=true)"
        ]
    );
}

#[test]
fn vulnerability_findings() {
    let vulns = govulncheck::parse_stream(include_str!("testdata/govulncheck.json")).unwrap();
    let found = rules::vuln_findings(&vulns);
    let lines: Vec<_> = found.iter().map(super::render_finding).collect();
    assert_eq!(
        lines,
        [
            "warning[vuln-imported]: GO-2020-0015: Infinite loop when decoding some inputs in golang.org/x/text (golang.org/x/text v0.3.0 is required, the vulnerable code is not called)\n  hint: upgrade golang.org/x/text to v0.3.3 or later",
            "error[vuln]: GO-2021-0113: Out-of-bounds read in golang.org/x/text/language (your code calls language.Parse in golang.org/x/text v0.3.0)\n  --> main.go:13:16\n  hint: upgrade golang.org/x/text to v0.3.7 or later",
            "warning[vuln-imported]: GO-2022-0969: HTTP/2 server connections can hang forever waiting for a clean shutdown (stdlib v1.19.0 is imported, the vulnerable code is not called)\n  hint: upgrade stdlib to v1.19.1 or later",
        ]
    );
}
