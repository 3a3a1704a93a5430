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
        builds: []
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
        hint: did you mean `builds`? valid keys here: version, project, builds, archives, checksum, release_notes, checks, sign, publish, environments
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
