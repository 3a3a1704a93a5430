//! tug.yaml end to end: `init` in a real Go module then `check`, `check --show` with layering,
//! `schema` (and the committed tug.schema.json), and bad configs with their exact located errors
//! and exit code 2.

use std::path::Path;

use crate::harness::*;

/// A small Go module with one main package under cmd/ and a library package.
fn go_module(dir: &Path) {
    std::fs::create_dir_all(dir.join("cmd/hello")).unwrap();
    std::fs::create_dir_all(dir.join("greet")).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(
        dir.join("cmd/hello/main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hello/greet\"\n)\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(greet.Hello(), version) }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("greet/greet.go"),
        "package greet\n\nfunc Hello() string { return \"hello\" }\n",
    )
    .unwrap();
}

/// `tug check` on a tug.yaml with `yaml`, snapshotted with the temp dir redacted.
fn check_yaml(yaml: &str) -> String {
    let dir = tempdir();
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 2, "{out:?}");
    out.snapshot(&[(dir.path(), "[TMP]")])
}

#[test]
#[cfg(feature = "test-go")]
fn init_then_check_in_a_go_module() {
    let dir = tempdir();
    go_module(dir.path());
    // The module really is a Go program (the config describes something that builds).
    let built = run(std::process::Command::new(go())
        .current_dir(dir.path())
        .env("GOCACHE", gocache())
        .args(["vet", "./..."]));
    assert_eq!(built.code, 0, "{built:?}");

    let out = run(tug(dir.path()).arg("init"));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r"
    exit: 0
    --- stdout
    --- stderr
         Created tug.yaml for Go module example.com/hello (1 main package)
    next: review it, then run `tug check`
    ");
    let written = std::fs::read_to_string(dir.path().join("tug.yaml")).unwrap();
    assert!(written.contains("  name: hello\n"));
    assert!(written.contains("#   ./cmd/hello\n"));

    let out = run(tug(dir.path()).arg("check"));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r"
        exit: 0
        --- stdout
        --- stderr
             Checked tug.yaml is valid (project hello, dist dist)
        ");

    // A second init refuses and leaves the file alone; --force replaces it.
    std::fs::write(dir.path().join("tug.yaml"), "version: 1\n# mine\n").unwrap();
    let out = run(tug(dir.path()).arg("init"));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml already exists
        hint: pass --force to overwrite it, or edit it and run `tug check`
        ");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tug.yaml")).unwrap(),
        "version: 1\n# mine\n"
    );
    ok(tug(dir.path()).args(["init", "--force"]));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tug.yaml")).unwrap(),
        written
    );
}

#[test]
fn check_show_prints_the_resolved_config() {
    let dir = tempdir();
    go_module(dir.path());
    std::fs::write(
        dir.path().join("tug.yaml"),
        "version: 1\nproject:\n  dist: out\n  env: [CGO_ENABLED=0]\n",
    )
    .unwrap();
    // From a subdirectory: tug.yaml is found by walking up; TUG_DIST beats project.dist.
    let sub = dir.path().join("cmd");
    let out = run(tug(&sub)
        .args(["check", "--show"])
        .env("TUG_DIST", "../envdist")
        .env("TUG_PARALLELISM", "3")
        .env("TUG_REGISTRY_PASSWORD", "never-shown")
        .env_remove("GITHUB_TOKEN")
        .env_remove("COSIGN_PASSWORD"));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r#"
        exit: 0
        --- stdout
        version: 1
        project:
          name: hello
          dist: envdist
          tag_prefix: v
          snapshot:
            version_template: "{{ version }}-snapshot+{{ short_commit }}"
          env:
          - CGO_ENABLED=0
        builds:
        - id: hello
          builder: go
          main: ./cmd/hello
          dir: null
          binary: hello
          targets: null
          goos: []
          goarch: []
          ignore: []
          env: null
          flags: []
          tags: []
          ldflags: null
          gcflags: []
          asmflags: []
          overrides: []
          hooks:
            before: []
            after: []
          command: null
          output: null
          reproducible: null
          gobinary: null
        archives: []
        checksum:
          name_template: null
          algorithm: sha256
        release_notes:
          disable: false
          template: null
          groups: null
          exclude: []
        checks:
          severity: {}
          tag_prefix: null
          branches: null
        sign: null
        publish: []
        environments: {}
        # run settings (defaults < tug.yaml < TUG_* < flags):
        #   config: [TMP]/tug.yaml
        #   root: [TMP]
        #   dist: [TMP]/envdist
        #   parallelism: 3
        #   snapshot: false
        # environment:
        #   TUG_DIST=../envdist
        #   TUG_PARALLELISM=3
        #   TUG_REGISTRY_PASSWORD=(set, not shown)
        --- stderr
             Checked [TMP]/tug.yaml is valid (project hello, dist [TMP]/envdist)
        "#);
    // --dist beats TUG_DIST.
    let out = run(tug(dir.path())
        .args(["check", "--show", "--dist", "flagdist"])
        .env("TUG_DIST", "envdist"));
    assert!(out.stdout.contains("  dist: flagdist\n"), "{out:?}");
    // No tug.yaml at all: the embedded defaults.
    let empty = tempdir();
    let out = run(tug(empty.path()).args(["check"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("no tug.yaml found: the embedded defaults are valid"),
        "{out:?}"
    );
}

#[test]
fn schema_matches_the_committed_file() {
    let out = ok(tug(&repo_root()).arg("schema"));
    let committed = std::fs::read_to_string(repo_root().join("tug.schema.json")).unwrap();
    assert_eq!(
        out, committed,
        "tug.schema.json is stale: run `cargo run -- schema > tug.schema.json`"
    );
    let head: String = out.lines().take(6).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(head, @r#"
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "tug.yaml",
          "description": "The whole of tug.yaml (`version: 1`).",
          "type": "object",
          "properties": {
        "#);
    let manifest = ok(tug(&repo_root()).args(["schema", "--manifest"]));
    let value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert!(value["properties"]["artifacts"].is_object(), "{manifest}");
}

#[test]
fn bad_yaml_syntax() {
    insta::assert_snapshot!(check_yaml("version: 1\nproject:\n  env: [A=1\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:3:8: invalid YAML: unclosed bracket '['
          |
        3 |   env: [A=1
          |        ^
        hint: check the indentation, quotes and brackets around this point
        ");
}

#[test]
fn bad_unknown_key_suggests() {
    insta::assert_snapshot!(check_yaml("version: 1\nproject:\n  name: hello\n  tag_prefx: v\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:4:3: unknown key `tag_prefx` in `project`
          |
        4 |   tag_prefx: v
          |   ^^^^^^^^^
        hint: did you mean `tag_prefix`? valid keys here: name, dist, tag_prefix, snapshot, env
        ");
}

#[test]
fn bad_unknown_top_level_section() {
    insta::assert_snapshot!(check_yaml("version: 1\nbuild:\n  - main: .\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:2:1: unknown key `build`
          |
        2 | build:
          | ^^^^^
        hint: did you mean `builds`? valid keys here: version, project, builds, archives, checksum, release_notes, checks, sign, publish, environments, sbom, provenance, policy, ci, notify
        ");
}

#[test]
fn bad_wrong_type_scalar() {
    insta::assert_snapshot!(check_yaml("version: one\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:1:10: wrong type for `version`: expected a whole number, found `one`
          |
        1 | version: one
          |          ^^^
        hint: write digits only, e.g. `1`
        ");
}

#[test]
fn bad_wrong_type_list() {
    insta::assert_snapshot!(check_yaml("version: 1\nproject:\n  env: CGO_ENABLED=0\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:3:8: wrong type for `project.env`: expected a list, found `CGO_ENABLED=0`
          |
        3 |   env: CGO_ENABLED=0
          |        ^^^^^^^^^^^^^
        hint: write a list: `[a, b]`, or one `- item` per line
        ");
}

#[test]
fn bad_wrong_type_mapping() {
    insta::assert_snapshot!(check_yaml("version: 1\nproject: [hello]\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:2:10: wrong type for `project`: expected a mapping (`key: value` pairs), found a list
          |
        2 | project: [hello]
          |          ^^^^^^^
        hint: write `key: value` pairs indented under the key
        ");
}

#[test]
fn bad_missing_version() {
    insta::assert_snapshot!(check_yaml("project:\n  name: hello\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:1:1: missing `version`
          |
        1 | project:
          | ^^^^^^^
        hint: add `version: 1` as the first line of the file
        ");
}

#[test]
fn bad_unsupported_version() {
    insta::assert_snapshot!(check_yaml("version: 2\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:1:10: unsupported config version 2
          |
        1 | version: 2
          |          ^
        hint: this tug reads `version: 1`
        ");
}

#[test]
fn bad_duplicate_environment() {
    insta::assert_snapshot!(check_yaml(
        "version: 1\nenvironments:\n  prod: {target: {type: local, hosts: [{name: a, path: a}]}}\n  prod: {target: {type: local, hosts: [{name: b, path: b}]}}\n"
    ), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:4:3: duplicate key `prod`
          |
        4 |   prod: {target: {type: local, hosts: [{name: b, path: b}]}}
          |   ^^^^
        hint: each key (and id) may appear only once in a mapping: remove or rename one
        ");
}

#[test]
fn bad_template_variable() {
    insta::assert_snapshot!(
        check_yaml("version: 1\nproject:\n  snapshot:\n    version_template: \"{{ versoin }}-dev\"\n"),
        @r#"
            exit: 2
            --- stdout
            --- stderr
            error: tug.yaml:4:27: unknown template variable `versoin` in `project.snapshot.version_template`
              |
            4 |     version_template: "{{ versoin }}-dev"
              |                           ^^^^^^^
            hint: did you mean `version`? variables available here: project, version, tag, commit, short_commit, commit_date, commit_timestamp, env
            "#
    );
}

#[test]
fn bad_template_syntax() {
    insta::assert_snapshot!(
        check_yaml("version: 1\nproject:\n  snapshot:\n    version_template: \"{{ version\"\n"),
        @r#"
            exit: 2
            --- stdout
            --- stderr
            error: tug.yaml:4:23: invalid template in `project.snapshot.version_template`: unexpected end of input, expected end of variable block
              |
            4 |     version_template: "{{ version"
              |                       ^^^^^^^^^^^^
            hint: templates use minijinja syntax: `{{ version }}`
            "#
    );
}

#[test]
fn bad_many_problems_reported_at_once() {
    insta::assert_snapshot!(
        check_yaml("version: 1\nproject:\n  name: my app\n  env:\n    - GOOS=linux\n    - BAD\n    - GOOS=darwin\n    - X={{ os }}\n"),
        @r"
            exit: 2
            --- stdout
            --- stderr
            error: tug.yaml:3:9: invalid project name `my app`
              |
            3 |   name: my app
              |         ^^^^^^
            hint: use a non-empty name without spaces or slashes, e.g. `hello`

            error: tug.yaml:6:7: invalid environment entry `BAD` in `project.env`
              |
            6 |     - BAD
              |       ^^^
            hint: write `NAME=value`, e.g. `CGO_ENABLED=0`

            error: tug.yaml:7:7: duplicate environment variable `GOOS`
              |
            7 |     - GOOS=darwin
              |       ^^^^
            hint: `GOOS` is already used at line 5; ids must be unique

            error: tug.yaml:8:12: unknown template variable `os` in `project.env[3]`
              |
            8 |     - X={{ os }}
              |            ^^
            hint: variables available here: project, version, tag, commit, short_commit, commit_date, commit_timestamp, env
            "
    );
}

#[test]
fn bad_multiple_documents() {
    insta::assert_snapshot!(check_yaml("version: 1\n---\nversion: 1\n"), @r"
        exit: 2
        --- stdout
        --- stderr
        error: tug.yaml:3:1: more than one YAML document
          |
        3 | version: 1
          | ^^^^^^^
        hint: tug.yaml holds one document: remove the `---` separators
        ");
}

#[test]
fn bad_config_path_and_environment() {
    let dir = tempdir();
    let out = run(tug(dir.path()).args(["check", "-c", "nope.yaml"]));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r"
        exit: 2
        --- stdout
        --- stderr
        error: config file [TMP]/nope.yaml not found (from --config)
        hint: check the path, or run `tug init` to write a tug.yaml
        ");
    std::fs::write(dir.path().join("tug.yaml"), "version: 1\n").unwrap();
    let out = run(tug(dir.path()).arg("check").env("TUG_PARALLELISM", "lots"));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r"
        exit: 2
        --- stdout
        --- stderr
        error: TUG_PARALLELISM=lots is not a positive integer
        hint: for example TUG_PARALLELISM=4
        ");
}

#[test]
fn bad_config_as_json_events() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("tug.yaml"),
        "version: 1\nproject:\n  tag_prefx: v\n",
    )
    .unwrap();
    let out = run(tug(dir.path()).args(["check", "--json"]));
    assert_eq!(out.code, 2);
    let first: serde_json::Value =
        serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["event"], "diagnostic");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(first["message"], "unknown key `tag_prefx` in `project`");
}

/// `tug check` on `yaml` in a fresh directory: (exit code, stderr).
fn check_all(yaml: &str) -> (i32, String) {
    let dir = tempdir();
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    let out = run(tug(dir.path()).arg("check"));
    (out.code, out.stderr)
}

/// Every `file:line:col` location printed, in order.
fn locations(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("error: ").unwrap_or(l);
            let rest = l.strip_prefix("tug.yaml:")?;
            let mut parts = rest.splitn(3, ':');
            let (line, col) = (parts.next()?, parts.next()?);
            (line.parse::<u32>().is_ok() && col.parse::<u32>().is_ok())
                .then(|| format!("{line}:{col}"))
        })
        .collect()
}

#[test]
fn six_typos_in_an_environment_are_reported_in_one_run() {
    let yaml = "version: 1\nenvironments:\n  prod:\n    targt: {}\n    stratgy:\n      type: canary\n    health_chek:\n      http: x\n    restrat: x\n    keep_release: 2\n    hoks: {}\n";
    let (code, err) = check_all(yaml);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        locations(&err),
        vec!["3:3", "4:5", "5:5", "7:5", "9:5", "10:5", "11:5"],
        "{err}"
    );
    for (typo, fix) in [
        ("targt", "target"),
        ("stratgy", "strategy"),
        ("health_chek", "health_check"),
        ("restrat", "restart"),
        ("keep_release", "keep_releases"),
        ("hoks", "hooks"),
    ] {
        assert!(
            err.contains(&format!("unknown key `{typo}` in `environments.prod`")),
            "{typo}: {err}"
        );
        assert!(
            err.contains(&format!("did you mean `{fix}`?")),
            "{fix}: {err}"
        );
    }
    assert!(
        err.contains("missing required key `target` in `environments.prod`"),
        "{err}"
    );
}

#[test]
fn schema_and_semantic_problems_of_different_sections_come_together() {
    // A schema error in `builds` and a template error in `environments` in the same run.
    let yaml = "version: 1\nbuilds:\n  - ldflag: x\nenvironments:\n  prod:\n    target:\n      hosts:\n        - {name: h1, path: a}\n        - {name: h1, path: b}\n    restart: \"kill {{ adress }}\"\n    health_check: {timeout: 5s}\n";
    let (code, err) = check_all(yaml);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        locations(&err),
        vec!["3:5", "9:12", "10:23", "11:5"],
        "{err}"
    );
    assert!(err.contains("unknown key `ldflag` in `builds[0]`"), "{err}");
    assert!(err.contains("host name \"h1\" appears twice"), "{err}");
    assert!(
        err.contains("unknown template variable `adress` in `environments.prod.restart`"),
        "{err}"
    );
    assert!(err.contains("did you mean `address`?"), "{err}");
    assert!(err.contains("health_check needs exactly one of"), "{err}");
    // The caret sits under the offending key in a flow mapping, not the list item.
    assert!(
        err.contains("9 |         - {name: h1, path: b}\n  |            ^^^^"),
        "{err}"
    );
}

#[test]
fn the_issues_template_condition_and_target_mistakes_fail_check() {
    let yaml = "version: 1
builds:
  - targets: [linux/amd65, plan9/arm64, linux/arm/9]
    binary: \"{{ projct }}\"
    ldflags: [\"-X main.v={{ versoin }}\"]
archives:
  - name_template: \"{{ version\"
environments:
  prod:
    target:
      hosts: [{path: a}]
    restart: \"run {{ adress }} --port {{ vars.port }}\"
    analyses:
      errors:
        prometheus: http://127.0.0.1:9090
        queries: {error_rate: \"sum(x)\"}
        failure:
          - condition: eror_rate > 0.15
";
    let (code, err) = check_all(yaml);
    assert_eq!(code, 2, "{err}");
    for needle in [
        "tug.yaml:3:15: unknown target `linux/amd65`",
        "did you mean `linux/amd64`?",
        "tug.yaml:3:28: unknown target `plan9/arm64`",
        "tug.yaml:3:41: unknown variant `9` in target `linux/arm/9`",
        "tug.yaml:4:17: unknown template variable `projct` in `builds[0].binary`",
        "tug.yaml:5:29: unknown template variable `versoin` in `builds[0].ldflags[0]`",
        "tug.yaml:7:20: invalid template in `archives[0].name_template`",
        "tug.yaml:12:22: unknown template variable `adress` in `environments.prod.restart`",
        "tug.yaml:12:42: `vars.port` in `environments.prod.restart` is not set for host a",
        "tug.yaml:18:24: unknown name `eror_rate`",
        "did you mean `error_rate`?",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn check_show_prints_the_default_builds_it_will_use() {
    let dir = tempdir();
    let root = dir.path();
    std::fs::write(root.join("go.mod"), "module example.com/tools\n\ngo 1.22\n").unwrap();
    for main in ["cmd/alpha", "cmd/beta"] {
        std::fs::create_dir_all(root.join(main)).unwrap();
        std::fs::write(
            root.join(main).join("main.go"),
            "package main\n\nfunc main() {}\n",
        )
        .unwrap();
    }
    let out = run(tug(root).args(["check", "--show"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("builds: []"), "{}", out.stdout);
    for want in [
        "- id: alpha",
        "main: ./cmd/alpha",
        "- id: beta",
        "main: ./cmd/beta",
    ] {
        assert!(out.stdout.contains(want), "{want}\n{}", out.stdout);
    }
}

#[test]
fn missing_files_come_in_the_same_run_as_schema_and_template_errors() {
    let dir = tempdir();
    // An unknown key in builds (a schema error that stops deserialization), a template typo in
    // an environment, and a signing key that does not exist: one run names all three.
    let yaml = "version: 1\nbuilds:\n  - id: hello\n    mian: ./cmd/hello\nsign:\n  key: keys/cosign.key\nenvironments:\n  prod:\n    target: {hosts: [{path: a}]}\n    restart: \"echo {{ versoin }}\"\n";
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 2, "{out:?}");
    for want in [
        "tug.yaml:4:5",
        "tug.yaml:6:8: sign.key (the signing key): cannot read `keys/cosign.key`",
        "versoin",
    ] {
        assert!(out.stderr.contains(want), "{want}\n{}", out.stderr);
    }
}

#[test]
fn check_finds_missing_files_and_hides_a_literal_password() {
    let dir = tempdir();
    let yaml = "version: 1\nsign:\n  key: keys/cosign.key\n  public_key: cosign.pub\nrelease_notes:\n  template: notes.md.j2\nenvironments:\n  prod:\n    target: {hosts: [{path: a}]}\n    public_key: prod.pub\n";
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("cosign.pub"), "pem").unwrap();
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        locations(&out.stderr),
        vec!["3:8", "6:13", "10:17"],
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("sign.key (the signing key): cannot read `keys/cosign.key`: no such file"),
        "{}",
        out.stderr
    );
    // With the files in place the same config is valid.
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    for f in ["keys/cosign.key", "notes.md.j2", "prod.pub"] {
        std::fs::write(dir.path().join(f), "x").unwrap();
    }
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 0, "{out:?}");

    // A password written into the file: every command refuses it, and never prints it.
    let secret = "hunter2hunter2";
    std::fs::write(
        dir.path().join("tug.yaml"),
        format!("version: 1\nsign:\n  password: {secret}\n"),
    )
    .unwrap();
    for args in [vec!["check"], vec!["sign"], vec!["check", "--json"]] {
        let out = run(tug(dir.path()).args(&args));
        assert_eq!(out.code, 2, "{args:?} {out:?}");
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{args:?} {out:?}"
        );
        if args == ["check"] {
            assert!(
                out.stderr
                    .contains("tug.yaml:3:13: `sign.password` looks like a password"),
                "{}",
                out.stderr
            );
        }
    }
}

/// `project/dist` holding one linux/amd64 binary of hello 1.0.0 and its manifest.
fn one_binary_dist(project: &Path) {
    use tug::manifest::ArtifactKind;
    let dist = project.join("dist");
    let bin = write_artifact(
        &dist,
        "hello_linux_amd64",
        "hello_linux_amd64/hello",
        ArtifactKind::Binary,
        b"binary",
    );
    manifest("hello", "1.0.0", &["linux/amd64"], vec![bin])
        .write(&dist)
        .unwrap();
}

#[test]
fn publish_with_a_bad_template_in_the_last_publisher_uploads_nothing() {
    let dir = tempdir();
    let project = dir.path();
    one_binary_dist(project);
    let good = "version: 1\nproject: {name: hello}\npublish:\n  - type: dir\n    path: published\n";
    let bad = format!("{good}  - type: http\n    url: \"http://127.0.0.1:9/{{{{ project }}}}/{{{{ versoin }}}}/{{{{ artifact }}}}\"\n");
    std::fs::write(project.join("tug.yaml"), &bad).unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("tug.yaml:7:47: unknown template variable `versoin` in `publish[1].url`"),
        "{}",
        out.stderr
    );
    assert!(
        !project.join("published").exists(),
        "the first publisher must not have run"
    );
    // The same dist publishes once the config is fixed (so the refusal above was the template).
    std::fs::write(project.join("tug.yaml"), good).unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(project
        .join("published/hello/1.0.0/manifest.json")
        .is_file());
}

#[test]
fn publish_refuses_an_unset_env_variable_of_its_last_publisher_before_the_first_runs() {
    let dir = tempdir();
    let project = dir.path();
    one_binary_dist(project);
    let yaml = "version: 1\nproject: {name: hello}\npublish:\n  - type: dir\n    path: published\n  - type: http\n    name: nexus\n    url: http://127.0.0.1:9/x\n    headers:\n      Authorization: \"Bearer {{ env.NEXUS_TOKEN }}\"\n";
    std::fs::write(project.join("tug.yaml"), yaml).unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(
            "tug.yaml:10:22: `env.NEXUS_TOKEN` in `publish[1].headers.Authorization` is not set in this run"
        ),
        "{}",
        out.stderr
    );
    assert!(
        !project.join("published").exists(),
        "the first publisher must not have run"
    );
    // Publishing only the publisher that needs nothing is allowed.
    let out = run(tug(project).args(["publish", "--only", "dir"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(project
        .join("published/hello/1.0.0/manifest.json")
        .is_file());
}

#[test]
fn rollout_with_a_bad_restart_template_touches_no_host() {
    let dir = tempdir();
    let yaml = "version: 1\nenvironments:\n  prod:\n    target:\n      hosts: [{name: h1, path: hosts/h1}]\n    restart: \"./current/app --port {{ vars.port }}\"\n";
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    let out = run(tug(dir.path()).args(["rollout", "prod", "--version", "1.0.0", "--yes"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("`vars.port` in `environments.prod.restart` is not set for host h1"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("hosts").exists(), "no host was touched");
}

#[test]
fn check_names_env_variables_templates_need_that_this_run_lacks() {
    let dir = tempdir();
    let yaml = "version: 1\npublish:\n  - type: http\n    url: http://127.0.0.1:9/x\n    headers:\n      Authorization: \"Bearer {{ env.NEXUS_TOKEN }}\"\n";
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    let out = run(tug(dir.path()).arg("check"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("warning: tug.yaml:6:22: `env.NEXUS_TOKEN` in `publish[0].headers.Authorization` is not set in this run"),
        "{}",
        out.stderr
    );
    let out = run(tug(dir.path()).arg("check").env("NEXUS_TOKEN", "t"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("NEXUS_TOKEN"), "{}", out.stderr);
}
