//! What a maintainer sees when something goes wrong: engine errors printed with their causes
//! (`caused by:` and `--json` `causes`), real `-v`/`-vv` diagnostics (the `go build` command lines,
//! HTTP requests) with no secret of the environment in them, settings resolved once per
//! `tug release`, and the GitHub publisher refusing replies it cannot trust. GitHub is the local
//! FAKE in `harness::github_fake`: no real GitHub can run here.

use std::path::Path;

use crate::harness::github_fake::{GithubFake, TOKEN};
use crate::harness::*;
use tug::manifest::ArtifactKind;

const FAST_RETRY: &str = "retry: { attempts: 2, initial_delay: 10ms, max_delay: 20ms }";

/// A tagged (v1.0.0) dist with one archive and release notes; no toolchain needed.
fn small_dist(project: &Path) {
    let dist = project.join("dist");
    let archive = write_artifact(
        &dist,
        "hello_1.0.0.tar.gz",
        "hello_1.0.0.tar.gz",
        ArtifactKind::Archive,
        b"not really a tarball\n",
    );
    let notes = write_artifact(
        &dist,
        "RELEASE_NOTES.md",
        "RELEASE_NOTES.md",
        ArtifactKind::Notes,
        b"## 1.0.0\n",
    );
    manifest("hello", "1.0.0", &[], vec![archive, notes])
        .write(&dist)
        .unwrap();
}

/// The `error` event of a `--json` run.
fn error_event(stdout: &str) -> serde_json::Value {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "error")
        .unwrap_or_else(|| panic!("no error event in {stdout}"))
}

#[test]
fn a_network_failure_shows_its_causes_in_text_and_json() {
    let tmp = tempdir();
    let project = tmp.path();
    small_dist(project);
    // Port 9 (discard) on loopback is closed here: every connection is refused.
    std::fs::write(
        project.join("tug.yaml"),
        format!(
            "version: 1\npublish:\n  - type: http\n    url: \"http://127.0.0.1:9/{{{{ artifact }}}}\"\n    {FAST_RETRY}\n"
        ),
    )
    .unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("gave up after 2 attempts"),
        "{}",
        out.stderr
    );
    let causes: Vec<&str> = out
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("caused by: "))
        .collect();
    assert!(
        causes.iter().any(|c| c.contains("Connection refused")),
        "the OS error is in the chain: {}",
        out.stderr
    );
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);

    let out = run(tug(project).args(["publish", "--json"]));
    assert_eq!(out.code, 1);
    let event = error_event(&out.stdout);
    let causes = event["causes"].as_array().unwrap();
    assert!(!causes.is_empty(), "{event}");
    assert!(
        causes
            .iter()
            .any(|c| c.as_str().unwrap().contains("Connection refused")),
        "{event}"
    );
    assert_eq!(event["exit_code"], 1);
}

#[test]
fn an_unreadable_key_shows_the_os_error_as_its_cause() {
    let tmp = tempdir();
    let project = tmp.path();
    small_dist(project);
    std::fs::create_dir(project.join("cosign.key")).unwrap();
    let out = run(tug(project).arg("sign").env("COSIGN_PASSWORD", ""));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("error: cannot read"), "{}", out.stderr);
    assert!(
        out.stderr.contains("caused by: Is a directory"),
        "{}",
        out.stderr
    );
    let out = run(tug(project)
        .args(["sign", "--json"])
        .env("COSIGN_PASSWORD", ""));
    let event = error_event(&out.stdout);
    assert!(
        event["causes"][0]
            .as_str()
            .is_some_and(|c| c.contains("Is a directory")),
        "{event}"
    );
}

fn hello_project(dir: &Path, tag: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(version) }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tug.yaml"),
        "version: 1\nproject:\n  name: hello\n  env:\n    - CGO_ENABLED=0\nbuilds:\n  - main: .\n    targets: [linux/amd64, linux/arm64]\n",
    )
    .unwrap();
    std::fs::write(dir.join(".gitignore"), "dist/\npublished/\n").unwrap();
    git_init_commit(dir, tag);
}

#[test]
fn build_dash_v_shows_each_go_build_command_and_its_outcome() {
    let tmp = tempdir();
    let project = tmp.path().join("hello");
    hello_project(&project, None);
    let out = run(tug(&project).args(["build", "--snapshot", "-v"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let go_builds: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("running") && l.contains("go build") && l.contains("-trimpath"))
        .collect();
    assert_eq!(go_builds.len(), 2, "one per target:\n{}", out.stderr);
    assert!(
        go_builds.iter().any(|l| l.contains("GOARCH=arm64"))
            && go_builds.iter().any(|l| l.contains("GOARCH=amd64")),
        "the environment overrides are shown:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("exit status: 0"),
        "the exit status is shown:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("command{name=\"build\"}")
            || out.stderr.contains("command{name=build}"),
        "the subcommand's span:\n{}",
        out.stderr
    );
    // Without -v: no diagnostics.
    let quiet = run(tug(&project).args(["build", "--snapshot", "--clean"]));
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("go build"), "{}", quiet.stderr);
}

#[test]
fn release_resolves_its_settings_once() {
    let tmp = tempdir();
    let project = tmp.path().join("hello");
    hello_project(&project, Some("v0.1.0"));
    let out = run(tug(&project).args(["release", "-v", "--no-progress"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("resolved settings").count(),
        1,
        "build and publish share one Settings:\n{}",
        out.stderr
    );
    assert!(project
        .join("published/hello/0.1.0/manifest.json")
        .is_file());
}

#[test]
fn dash_vv_never_prints_a_secret_of_the_environment() {
    let gh = GithubFake::start();
    let tmp = tempdir();
    let project = tmp.path();
    small_dist(project);
    // An http publisher whose header and query token are templated from variables whose names
    // do not look secret (so only the field-level redaction can keep them out), and a github one.
    std::fs::write(
        project.join("tug.yaml"),
        format!(
            "version: 1\npublish:\n  - type: http\n    url: \"{}/store/{{{{ artifact }}}}?token={{{{ env.PLAIN_QUERY }}}}\"\n    headers: {{ X-Upload: \"{{{{ env.PLAIN_HEADER }}}}\" }}\n    {FAST_RETRY}\n  - type: github\n    repository: acme/hello\n    api_url: {}\n    {FAST_RETRY}\n",
            gh.url, gh.url
        ),
    )
    .unwrap();
    let secrets = [
        ("GITHUB_TOKEN", TOKEN),
        ("COSIGN_PASSWORD", "cosign-pw-5150"),
        ("TUG_REGISTRY_PASSWORD", "registry-pw-8086"),
        ("PLAIN_HEADER", "header-value-6502"),
        ("PLAIN_QUERY", "query-value-6809"),
    ];
    let mut cmd = tug(project);
    cmd.args(["publish", "-vv", "--only", "github", "--only", "http"])
        .env("TUG_REGISTRY_USERNAME", "me");
    for (k, v) in secrets {
        cmd.env(k, v);
    }
    let out = run(&mut cmd);
    // The fake has no /store: the http publisher fails after its requests were made and logged.
    assert!(
        out.stderr.contains("GET ")
            || out.stderr.contains("method=HEAD")
            || out.stderr.contains("method=GET"),
        "requests are logged:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("rendering"),
        "template renders are traced at -vv:\n{}",
        out.stderr
    );
    for (name, value) in secrets {
        assert!(
            !out.stderr.contains(value) && !out.stdout.contains(value),
            "{name}'s value leaked:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }

    // Signing with the key in the environment (env://) and the password: neither reaches a log.
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    ok(tug(&keys)
        .args(["keys", "generate"])
        .env("COSIGN_PASSWORD", "cosign-pw-5150"));
    let pem = std::fs::read_to_string(keys.join("cosign.key")).unwrap();
    let out = run(tug(project)
        .args([
            "sign",
            "-vv",
            "--artifacts",
            "archives",
            "--key",
            "env://CI_SIGNER",
        ])
        .env("CI_SIGNER", &pem)
        .env("COSIGN_PASSWORD", "cosign-pw-5150"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("command{"),
        "logging is on:\n{}",
        out.stderr
    );
    for line in pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 8)
    {
        assert!(
            !out.stderr.contains(line),
            "key material leaked:\n{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("cosign-pw-5150"), "{}", out.stderr);
}

/// A fresh GitHub fake and a project (in the returned directory) with a small dist/ and one
/// publisher, `github`, releasing acme/hello through the fake.
fn github_project() -> (GithubFake, tempfile::TempDir) {
    let gh = GithubFake::start();
    let tmp = tempdir();
    small_dist(tmp.path());
    std::fs::write(
        tmp.path().join("tug.yaml"),
        format!("version: 1\npublish:\n  - type: github\n    repository: acme/hello\n    api_url: {}\n    {FAST_RETRY}\n", gh.url),
    )
    .unwrap();
    (gh, tmp)
}

#[test]
fn github_reply_that_is_not_a_list_is_an_error_not_an_empty_list() {
    let (gh, tmp) = github_project();
    let project = tmp.path();
    gh.state.lock().unwrap().list_reply =
        Some(serde_json::json!({ "message": "Moved Permanently", "url": "https://elsewhere" }));
    let out = run(tug(project).arg("publish").env("GITHUB_TOKEN", TOKEN));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a list of releases")
            && out.stderr.contains("a JSON object")
            && out.stderr.contains("Moved Permanently"),
        "names what came back:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("caused by: invalid type"),
        "{}",
        out.stderr
    );
    assert!(
        gh.writes().is_empty(),
        "no duplicate draft: {:?}",
        gh.writes()
    );
}

#[test]
fn github_release_beyond_a_thousand_is_found_by_following_link_headers() {
    let (gh, tmp) = github_project();
    let project = tmp.path();
    {
        let mut st = gh.state.lock().unwrap();
        st.add_old_releases(1005);
        // The draft of an earlier, interrupted run, on page 11 of 100.
        st.releases.push(serde_json::json!({
            "id": 5000, "tag_name": "v1.0.0", "name": "v1.0.0", "draft": true, "body": null,
            "html_url": format!("{}/acme/hello/releases/tag/v1.0.0", gh.url),
            "upload_url": format!("{}/uploads/repos/acme/hello/releases/5000/assets{{?name,label}}", gh.url),
        }));
    }
    let out = run(tug(project).arg("publish").env("GITHUB_TOKEN", TOKEN));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let st = gh.state.lock().unwrap();
    let drafts: Vec<_> = st
        .releases
        .iter()
        .filter(|r| r["tag_name"] == "v1.0.0")
        .collect();
    assert_eq!(
        drafts.len(),
        1,
        "the existing draft was reused, not duplicated"
    );
    assert_eq!(drafts[0]["draft"], false);
    assert!(
        !st.log
            .iter()
            .any(|l| l == "POST /repos/acme/hello/releases"),
        "{:?}",
        st.log
    );
    let pages = st
        .log
        .iter()
        .filter(|l| *l == "GET /repos/acme/hello/releases")
        .count();
    assert_eq!(pages, 11, "followed rel=next to the last page");
}

#[test]
fn github_release_without_upload_url_is_an_error() {
    let (gh, tmp) = github_project();
    let project = tmp.path();
    gh.state.lock().unwrap().omit_upload_url = true;
    let out = run(tug(project).arg("publish").env("GITHUB_TOKEN", TOKEN));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("not a release"), "{}", out.stderr);
    assert!(out.stderr.contains("upload_url"), "{}", out.stderr);
    assert!(
        !gh.writes().iter().any(|w| w.contains("/uploads/")),
        "nothing uploaded to an empty URL: {:?}",
        gh.writes()
    );
}

#[test]
fn a_tag_git_cannot_resolve_stops_the_build_with_its_cause() {
    let tmp = tempdir();
    let project = tmp.path().join("hello");
    hello_project(&project, Some("v1.0.0"));
    // A tag ref pointing at an object that does not exist (a damaged or partial clone): the tag
    // facts feed the tag-reuse and monotonic checks, so it must not be skipped silently.
    std::fs::write(
        project.join(".git/refs/tags/v2.0.0"),
        "1234567890123456789012345678901234567890\n",
    )
    .unwrap();
    let out = run(tug(&project).args(["build", "--snapshot"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: cannot resolve tag v2.0.0 to a commit"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("caused by: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("hint: repair or delete the broken tag"),
        "{}",
        out.stderr
    );
    assert!(!project.join("dist").exists(), "nothing built");
}
