//! `tug ci github|gitlab`: the generated GitHub workflow passes the real `actionlint`, `--check`
//! finds a stale file, and the pipeline semantics hold when its jobs are run for real: this file
//! parses the workflow and runs every job's `run:` steps in `needs:` order, each job in its own
//! fresh copy of a tagged Go repository, with only the artifacts the job downloads copied in (an
//! emulation of upload/download-artifact, including download-artifact's rule that a single match
//! is extracted into `path` itself). `uses:` steps other than the artifact actions (checkout,
//! setup-go, cache) are no-ops here: the fresh copy is the checkout, and the real Go is on PATH.
//!
//! The GitLab file's jobs are run the same way (`script:` lines, `artifacts: paths:` of the jobs
//! a job `needs:`), and its structure is checked (needs, parallel, manual production rollout, the
//! signing environment) and validated against GitLab's published CI JSON schema
//! (`tests/testdata/gitlab-ci/`, with its source and licence) by the Python `jsonschema` package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::*;

const PASSWORD: &str = "ci-test-password";
const TARGETS: [&str; 5] = [
    "linux/amd64",
    "linux/arm64",
    "darwin/arm64",
    "windows/amd64",
    "linux/386",
];

fn actionlint() -> PathBuf {
    let path = repo_root().join(".tools/bin/actionlint");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/install-test-deps.sh",
        path.display()
    );
    path
}

/// The stdlib-only Go CLI, a tug.yaml with `TARGETS`, signing from env://, and two local
/// environments whose hosts live under `hosts`; committed and tagged v1.2.3.
fn project(dir: &Path, hosts: &Path, public_key: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(\"hello\", version) }\n",
    )
    .unwrap();
    let list = TARGETS
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let env = |name: &str| {
        format!(
            "  {name}:\n    target:\n      type: local\n      hosts:\n        - name: {name}-1\n          path: {}\n    public_key: {public_key}\n",
            hosts.join(name).display()
        )
    };
    std::fs::write(
        dir.join("tug.yaml"),
        format!(
            "version: 1\nproject:\n  name: hello\n  env:\n    - CGO_ENABLED=0\nbuilds:\n  - id: hello\n    main: .\n    binary: hello\n    targets: [{list}]\n\
             sign:\n  key: env://CI_TEST_COSIGN_KEY\n  password: env://CI_TEST_COSIGN_PASSWORD\n\
             environments:\n{}{}",
            env("prod"),
            env("staging")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join(".gitignore"),
        "dist/\ndist-*/\npublished/\n.github/\n.gitlab-ci.yml\n",
    )
    .unwrap();
    git_init_commit(dir, Some("v1.2.3"));
}

/// A cosign key pair under `dir`: (private key PEM, public key path).
fn keys(dir: &Path) -> (String, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    ok(tug(dir)
        .args(["keys", "generate"])
        .env("COSIGN_PASSWORD", PASSWORD));
    (
        std::fs::read_to_string(dir.join("cosign.key")).unwrap(),
        dir.join("cosign.pub"),
    )
}

/// The tug binary's directory, so a job's "Install tug" step (`tug --version`) finds it on PATH.
fn tug_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tug"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const INSTALL: &str = "tug --version";

/// The test environment's PATH with the tug binary's directory first (a job's PATH).
fn path_with_tug() -> std::ffi::OsString {
    std::env::join_paths(
        std::iter::once(tug_dir()).chain(std::env::split_paths(
            &test_env()
                .iter()
                .find(|(k, _)| k == "PATH")
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        )),
    )
    .unwrap()
}

/// A [`project`] (`<tmp>/hello`, hosts under `<tmp>/hosts`) whose public key, made in
/// `<tmp>/keys`, is outside the repository and then removed from this machine: only a job given
/// `pem` can verify.
struct PipelineProject {
    tmp: tempfile::TempDir,
    /// The private key (encrypted with `PASSWORD`).
    key: String,
    /// The public key's PEM.
    pem: String,
    hosts: PathBuf,
    repo: PathBuf,
}

fn pipeline_project() -> PipelineProject {
    let tmp = tempdir();
    let (key, public) = keys(&tmp.path().join("keys"));
    let hosts = tmp.path().join("hosts");
    let repo = tmp.path().join("hello");
    project(&repo, &hosts, &public.display().to_string());
    let pem = std::fs::read_to_string(&public).unwrap();
    std::fs::remove_file(&public).unwrap();
    PipelineProject {
        tmp,
        key,
        pem,
        hosts,
        repo,
    }
}

/// The first step of `job` in a GitHub `workflow` that runs `tug rollout`.
fn rollout_step(workflow: &Value, job: &str) -> Value {
    workflow["jobs"][job]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains("tug rollout")))
        .unwrap_or_else(|| panic!("{job} has no rollout step"))
        .clone()
}

/// A stand-in `tug` in `bin` (created) running the shell `script`, to put first on a PATH.
fn stand_in_tug(bin: &Path, script: &str) {
    std::fs::create_dir_all(bin).unwrap();
    std::fs::write(bin.join("tug"), format!("#!/bin/sh\n{script}")).unwrap();
    let mut perms = std::fs::metadata(bin.join("tug")).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(bin.join("tug"), perms).unwrap();
}

/// A workflow step's `script` run by bash as the runner would, in `dir`, with nothing of this
/// environment but HOME (`home`) and a PATH with `bin` (a [`stand_in_tug`]) first.
fn step_command(script: &str, dir: &Path, home: &Path, bin: &Path) -> Command {
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-e", "-c", script])
        .current_dir(dir)
        .env_clear()
        .env("HOME", home)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    cmd
}

/// actionlint accepts the workflow `text` (written to `dir/release.yml`, checked from `repo`).
fn assert_actionlint_accepts(dir: &Path, repo: &Path, text: &str) {
    let path = dir.join("release.yml");
    std::fs::write(&path, text).unwrap();
    let lint = run(Command::new(actionlint()).arg(&path).current_dir(repo));
    assert_eq!(lint.code, 0, "actionlint: {lint:?}");
}

fn generate(repo: &Path, provider: &str) -> String {
    ok(tug(repo).args(["ci", provider, "--install", INSTALL, "-o", "-"]))
}

#[test]
fn github_workflow_passes_actionlint_and_is_stable() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo, &tmp.path().join("hosts"), "cosign.pub");
    let out = run(tug(&repo).args(["ci", "github", "--install", INSTALL]));
    assert_eq!(out.code, 0, "{out:?}");
    let path = repo.join(".github/workflows/release.yml");
    let first = std::fs::read(&path).unwrap();
    let lint = run(Command::new(actionlint()).arg(&path).current_dir(&repo));
    assert_eq!(lint.code, 0, "actionlint: {lint:?}");

    // Same input, same bytes.
    ok(tug(&repo).args(["ci", "github", "--install", INSTALL]));
    assert_eq!(std::fs::read(&path).unwrap(), first);

    // actionlint can fail: a job that needs a job that does not exist.
    let broken = String::from_utf8(first)
        .unwrap()
        .replace("needs: [merge]", "needs: [merg]");
    std::fs::write(&path, broken).unwrap();
    let lint = run(Command::new(actionlint()).arg(&path).current_dir(&repo));
    assert_ne!(lint.code, 0, "actionlint accepted a broken workflow");
}

#[test]
fn check_explains_a_stale_pipeline_and_exits_1() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo, &tmp.path().join("hosts"), "cosign.pub");
    for provider in ["github", "gitlab"] {
        // Missing: exit 1 with the command that writes it.
        let out = run(tug(&repo).args(["ci", provider, "--install", INSTALL, "--check"]));
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stderr.contains("does not exist"), "{out:?}");
        ok(tug(&repo).args(["ci", provider, "--install", INSTALL]));
        let out = run(tug(&repo).args(["ci", provider, "--install", INSTALL, "--check"]));
        assert_eq!(out.code, 0, "{out:?}");
    }
    // tug.yaml gains a target: 6 targets are 3 shards instead of 3, and so on; here 5 -> 7
    // targets makes 4 shards.
    let yaml = std::fs::read_to_string(repo.join("tug.yaml")).unwrap();
    std::fs::write(
        repo.join("tug.yaml"),
        yaml.replace(
            "\"linux/386\"]",
            "\"linux/386\", \"freebsd/amd64\", \"linux/riscv64\"]",
        ),
    )
    .unwrap();
    let out = run(tug(&repo).args(["ci", "github", "--install", INSTALL, "--check"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("-        shard: [1, 2, 3]\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("+        shard: [1, 2, 3, 4]\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.starts_with("--- "), "{}", out.stdout);
    assert!(out.stderr.contains("is stale"), "{out:?}");
    assert!(out.stderr.contains("hint: run `tug ci github`"), "{out:?}");
    let out = run(tug(&repo).args(["ci", "gitlab", "--install", INSTALL, "--check"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("+  parallel: 4\n"), "{}", out.stdout);

    // A hand-written file is not replaced without --force.
    std::fs::write(repo.join(".gitlab-ci.yml"), "stages: [test]\n").unwrap();
    let out = run(tug(&repo).args(["ci", "gitlab"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--force"), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitlab-ci.yml")).unwrap(),
        "stages: [test]\n"
    );
    ok(tug(&repo).args(["ci", "gitlab", "--force"]));
}

#[test]
fn a_signing_key_file_cannot_be_wired_into_ci() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo, &tmp.path().join("hosts"), "cosign.pub");
    let yaml = std::fs::read_to_string(repo.join("tug.yaml")).unwrap();
    std::fs::write(
        repo.join("tug.yaml"),
        yaml.replace("key: env://CI_TEST_COSIGN_KEY", "key: cosign.key"),
    )
    .unwrap();
    let out = run(tug(&repo).args(["ci", "github", "-o", "-"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("sign.key is \"cosign.key\""), "{out:?}");
    assert!(
        out.stderr.contains("hint: set `sign.key: env://"),
        "{out:?}"
    );
    let out = run(tug(&repo).args(["ci", "github", "--manual", "qa", "-o", "-"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!repo.join(".github").exists());
}

#[test]
fn gitlab_pipeline_structure() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo, &tmp.path().join("hosts"), "cosign.pub");
    let text = generate(&repo, "gitlab");
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let job = |name: &str| {
        doc.get(name)
            .unwrap_or_else(|| panic!("no job {name}:\n{text}"))
    };
    assert_eq!(job("build")["parallel"], 3);
    assert_eq!(
        job("build")["artifacts"]["paths"][0],
        "dist-$CI_NODE_INDEX/"
    );
    assert_eq!(job("merge")["needs"], serde_json::json!(["build"]));
    assert!(job("merge")["script"][1]
        .as_str()
        .unwrap()
        .starts_with("tug merge dist-1 dist-2 dist-3 -o dist"));
    assert_eq!(job("sign")["needs"], serde_json::json!(["merge"]));
    assert_eq!(job("sign")["environment"]["name"], "signing");
    assert_eq!(job("publish")["needs"], serde_json::json!(["sign"]));
    assert_eq!(job("rollout:prod")["when"], "manual");
    assert_eq!(job("rollout:prod")["allow_failure"], false);
    assert_eq!(
        job("rollout:prod")["needs"],
        serde_json::json!(["publish", "rollout:staging"])
    );
    assert!(job("rollout:staging").get("when").is_none());
    let rules = doc["workflow"]["rules"][0]["if"].as_str().unwrap();
    assert_eq!(rules, "$CI_COMMIT_TAG =~ /^v[0-9]/");
    // every script starts with the install command
    for name in ["build", "merge", "sign", "publish", "rollout:prod"] {
        assert_eq!(job(name)["script"][0], INSTALL, "{name}");
    }
}

/// The errors GitLab's CI JSON schema finds in a `.gitlab-ci.yml` text (converted YAML -> JSON
/// here, validated by Python `jsonschema`, Draft 7, in `.tools/venv`).
fn gitlab_schema_errors(text: &str) -> Vec<String> {
    let python = repo_root().join(".tools/venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/install-test-deps.sh",
        python.display()
    );
    let doc: Value = serde_saphyr::from_str(text).unwrap();
    let dir = tempdir();
    let json = dir.path().join("gitlab-ci.json");
    std::fs::write(&json, serde_json::to_vec(&doc).unwrap()).unwrap();
    let schema = repo_root().join("tests/testdata/gitlab-ci/ci.json");
    let check = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft7Validator.check_schema(schema)\n\
        doc = json.load(open(sys.argv[2]))\n\
        for e in jsonschema.Draft7Validator(schema).iter_errors(doc):\n\
        \x20   print('/'.join(map(str, e.absolute_path)) + ': ' + e.message[:200])\n";
    let out = run(Command::new(&python)
        .args(["-c", check])
        .arg(&schema)
        .arg(&json));
    assert_eq!(out.code, 0, "the validator itself failed: {out:?}");
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn gitlab_pipeline_validates_against_gitlabs_ci_schema() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo, &tmp.path().join("hosts"), "cosign.pub");
    let text = generate(&repo, "gitlab");
    assert_eq!(gitlab_schema_errors(&text), Vec::<String>::new(), "{text}");
    // The schema can fail: a job whose `needs:` entry is malformed, and one with a `when:` GitLab
    // does not know.
    let broken = text.replace(
        "needs: [build]",
        "needs: [{job: build, artifacts: sometimes}]",
    );
    assert_ne!(broken, text);
    let errors = gitlab_schema_errors(&broken);
    assert!(
        errors.iter().any(|e| e.starts_with("merge/needs/0")),
        "{errors:?}"
    );
    let broken = text.replace("when: manual", "when: later");
    assert_ne!(broken, text);
    let errors = gitlab_schema_errors(&broken);
    assert!(
        errors.iter().any(|e| e.starts_with("rollout:prod")),
        "{errors:?}"
    );
}

/// One job to run: its id, the matrix value (build shards) and its steps.
struct JobRun {
    label: String,
    shard: Option<String>,
    steps: Vec<Value>,
}

/// The jobs of `workflow` in an order that respects `needs:`, the build matrix expanded.
fn job_order(workflow: &Value) -> Vec<(String, Vec<JobRun>)> {
    let jobs = workflow["jobs"].as_object().unwrap();
    let mut done: Vec<String> = Vec::new();
    let mut out = Vec::new();
    while done.len() < jobs.len() {
        let before = done.len();
        for (id, job) in jobs {
            if done.contains(id) {
                continue;
            }
            let needs: Vec<String> = match &job["needs"] {
                Value::Null => vec![],
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                other => panic!("needs: {other}"),
            };
            if needs.iter().all(|n| done.contains(n)) {
                let steps = job["steps"].as_array().unwrap().clone();
                let runs = match job["strategy"]["matrix"]["shard"].as_array() {
                    Some(shards) => shards
                        .iter()
                        .map(|s| JobRun {
                            label: format!("{id} ({s})"),
                            shard: Some(s.to_string()),
                            steps: steps.clone(),
                        })
                        .collect(),
                    None => vec![JobRun {
                        label: id.clone(),
                        shard: None,
                        steps,
                    }],
                };
                out.push((id.clone(), runs));
                done.push(id.clone());
            }
        }
        assert!(done.len() > before, "needs: cycle in {jobs:?}");
    }
    out
}

/// Copy a tree without its hidden files, as upload-artifact does by default
/// (`include-hidden-files: false`), so the emulation cannot pass on what GitHub would drop.
fn copy_visible(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_visible(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What one pipeline run did.
struct PipelineRun {
    /// The job that failed, if one did (the pipeline stops there).
    failed: Option<String>,
    /// The artifact store: name -> directory.
    artifacts: BTreeMap<String, PathBuf>,
    /// Per job run: the variables its steps were given beyond the runner's own.
    envs: BTreeMap<String, BTreeMap<String, String>>,
    /// The jobs that ran, in order.
    ran: Vec<String>,
}

/// Replace the expressions the generated workflow uses.
fn expand(s: &str, shard: Option<&str>, secrets: &BTreeMap<&str, String>) -> String {
    let mut out = s.to_string();
    if let Some(shard) = shard {
        out = out.replace("${{ matrix.shard }}", shard);
    }
    for (name, value) in secrets {
        out = out.replace(&format!("${{{{ secrets.{name} }}}}"), value);
    }
    assert!(!out.contains("${{"), "unhandled expression in {s:?}");
    out
}

fn run_pipeline(
    workflow: &Value,
    repo: &Path,
    work: &Path,
    secrets: &BTreeMap<&str, String>,
) -> PipelineRun {
    let store = work.join("artifacts");
    std::fs::create_dir_all(&store).unwrap();
    let mut result = PipelineRun {
        failed: None,
        artifacts: BTreeMap::new(),
        envs: BTreeMap::new(),
        ran: Vec::new(),
    };
    let path = path_with_tug();
    for (_, runs) in job_order(workflow) {
        // A matrix runs all its jobs; the pipeline fails after it if one failed.
        for job in runs {
            let dir = work
                .join("jobs")
                .join(job.label.replace([' ', '(', ')'], "_"));
            copy_tree(repo, &dir);
            let mut env_seen = BTreeMap::new();
            let mut job_failed = false;
            for step in &job.steps {
                let with = |k: &str| {
                    step["with"][k]
                        .as_str()
                        .map(|v| expand(v, job.shard.as_deref(), secrets))
                };
                if let Some(uses) = step["uses"].as_str() {
                    if uses.starts_with("actions/upload-artifact@") {
                        let name = with("name").unwrap();
                        let from = dir.join(with("path").unwrap());
                        assert!(
                            from.is_dir(),
                            "{}: nothing at {}",
                            job.label,
                            from.display()
                        );
                        let to = store.join(&name);
                        assert!(!to.exists(), "artifact {name} uploaded twice");
                        copy_visible(&from, &to);
                        result.artifacts.insert(name, to);
                    } else if uses.starts_with("actions/download-artifact@") {
                        let path = dir.join(with("path").unwrap_or_else(|| ".".into()));
                        let matches: Vec<String> = match (with("name"), with("pattern")) {
                            (Some(name), _) => vec![name],
                            (None, Some(pattern)) => {
                                let prefix = pattern.strip_suffix('*').unwrap();
                                result
                                    .artifacts
                                    .keys()
                                    .filter(|k| k.starts_with(prefix))
                                    .cloned()
                                    .collect()
                            }
                            (None, None) => panic!("download of every artifact"),
                        };
                        assert!(!matches.is_empty(), "{}: nothing to download", job.label);
                        let single = with("name").is_some() || matches.len() == 1;
                        for name in &matches {
                            let from = result.artifacts.get(name).unwrap_or_else(|| {
                                panic!("{}: artifact {name} was never uploaded", job.label)
                            });
                            let to = if single {
                                path.clone()
                            } else {
                                path.join(name)
                            };
                            copy_tree(from, &to);
                        }
                    }
                    continue;
                }
                let script = expand(step["run"].as_str().unwrap(), job.shard.as_deref(), secrets);
                let mut cmd = Command::new("bash");
                hermetic(&mut cmd);
                cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
                    .current_dir(&dir)
                    .env("PATH", &path);
                if let Some(env) = step["env"].as_object() {
                    for (k, v) in env {
                        let v = expand(v.as_str().unwrap(), job.shard.as_deref(), secrets);
                        env_seen.insert(k.clone(), v.clone());
                        cmd.env(k, v);
                    }
                }
                let out = run(&mut cmd);
                if out.code != 0 {
                    eprintln!("{}: step failed: {script}\n{out:?}", job.label);
                    job_failed = true;
                    break;
                }
            }
            result.envs.insert(job.label.clone(), env_seen);
            result.ran.push(job.label.clone());
            if job_failed && result.failed.is_none() {
                result.failed = Some(job.label.clone());
            }
        }
        if result.failed.is_some() {
            break;
        }
    }
    result
}

/// artifact name -> sha256 of the binaries and archives of a manifest.
fn digests(manifest: &Path) -> BTreeMap<String, String> {
    let m: Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "signature" && a["kind"] != "bundle")
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_generated_github_pipeline_runs_for_real() {
    // The public key is outside the repository: each rollout job gets it from its own secret,
    // and the file is gone from this machine, so only that wiring lets the rollouts verify.
    let PipelineProject {
        tmp,
        key,
        pem,
        hosts,
        repo,
    } = pipeline_project();
    let workflow: Value = serde_saphyr::from_str(&generate(&repo, "github")).unwrap();
    let secrets = BTreeMap::from([
        ("CI_TEST_COSIGN_KEY", key.clone()),
        ("CI_TEST_COSIGN_PASSWORD", PASSWORD.to_string()),
        ("GITHUB_TOKEN", "unused".to_string()),
        ("DEPLOY_PROD_PUBLIC_KEY", pem.clone()),
        ("DEPLOY_STAGING_PUBLIC_KEY", pem.clone()),
    ]);

    let result = run_pipeline(&workflow, &repo, &tmp.path().join("ci"), &secrets);
    assert_eq!(result.failed, None, "ran: {:?}", result.ran);
    assert_eq!(
        result.ran.last().map(String::as_str),
        Some("rollout-prod"),
        "{:?}",
        result.ran
    );

    // The three shards built different targets, together all five.
    let mut all = Vec::new();
    for i in 1..=3 {
        let m: Value = serde_json::from_slice(
            &std::fs::read(result.artifacts[&format!("dist-{i}")].join("manifest.json")).unwrap(),
        )
        .unwrap();
        let targets: Vec<String> = m["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert!(!targets.is_empty(), "shard {i}: {m}");
        for t in targets {
            assert!(!all.contains(&t), "{t} built by two shards");
            all.push(t);
        }
    }
    all.sort();
    let mut want: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    want.sort();
    assert_eq!(all, want);

    // The merged dist has the digests of a single-machine build of the same commit.
    let single = tmp.path().join("single");
    copy_tree(&repo, &single);
    ok(tug(&single).args(["build", "--no-progress"]));
    assert_eq!(
        digests(&result.artifacts["dist"].join("manifest.json")),
        digests(&single.join("dist/manifest.json"))
    );

    // Only the sign job was given the key (and its password); it signed the checksums file.
    for (job, env) in &result.envs {
        let has_key = env.values().any(|v| *v == key) || env.contains_key("CI_TEST_COSIGN_KEY");
        assert_eq!(has_key, job == "sign", "{job}: {:?}", env.keys());
        assert_eq!(
            env.contains_key("CI_TEST_COSIGN_PASSWORD"),
            job == "sign",
            "{job}"
        );
    }
    // Each rollout job alone got its environment's public key secret.
    for (job, env) in &result.envs {
        let deploy: Vec<&String> = env.keys().filter(|k| k.starts_with("DEPLOY_")).collect();
        let want: Vec<String> = match job.strip_prefix("rollout-") {
            Some(e) => vec![format!("DEPLOY_{}_PUBLIC_KEY", e.to_uppercase())],
            None => vec![],
        };
        assert_eq!(deploy, want.iter().collect::<Vec<_>>(), "{job}");
    }
    assert!(result.artifacts["dist-signed"]
        .join("hello_1.2.3_checksums.txt.sig")
        .is_file());
    assert!(!result.artifacts["dist"]
        .join("hello_1.2.3_checksums.txt.sig")
        .exists());

    // The rollouts ran: each environment's host runs 1.2.3 (its `current` link on disk).
    for env in ["staging", "prod"] {
        let current = std::fs::read_link(hosts.join(env).join("current"))
            .unwrap_or_else(|e| panic!("{env}: no current link: {e}"));
        assert!(current.ends_with("releases/1.2.3"), "{env}: {current:?}");
    }
    // Staging was rolled out before the manual production job.
    let pos = |j: &str| result.ran.iter().position(|r| r == j).unwrap();
    assert!(pos("rollout-staging") < pos("rollout-prod"));
}

#[test]
fn a_failing_shard_fails_the_pipeline() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    let hosts = tmp.path().join("hosts");
    project(&repo, &hosts, "cosign.pub");
    // Only windows fails to compile: exactly one shard fails.
    std::fs::write(
        repo.join("broken_windows.go"),
        "//go:build windows\n\npackage main\n\nfunc broken() { undefined() }\n",
    )
    .unwrap();
    ok(git(&repo).args(["add", "-A"]));
    ok(git(&repo).args(["commit", "-q", "-m", "fix: break windows"]));
    ok(git(&repo).args(["tag", "-a", "v1.2.4", "-m", "v1.2.4"]));
    let workflow: Value = serde_saphyr::from_str(&generate(&repo, "github")).unwrap();
    let result = run_pipeline(
        &workflow,
        &repo,
        &tmp.path().join("ci"),
        &BTreeMap::from([
            ("CI_TEST_COSIGN_KEY", "unused".to_string()),
            ("CI_TEST_COSIGN_PASSWORD", "unused".to_string()),
        ]),
    );
    let failed = result
        .failed
        .expect("the pipeline succeeded with a broken shard");
    assert!(failed.starts_with("build ("), "{failed}");
    assert!(!result.ran.iter().any(|j| j == "merge"), "{:?}", result.ran);
    assert!(!result.artifacts.contains_key("dist"));
    assert!(!hosts.exists(), "a rollout ran");
}

#[test]
fn a_paused_rollout_passes_and_a_failed_one_fails_the_job() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo, &tmp.path().join("hosts"), "cosign.pub");
    let workflow: Value = serde_saphyr::from_str(&generate(&repo, "github")).unwrap();
    let gitlab: Value = serde_saphyr::from_str(&generate(&repo, "gitlab")).unwrap();
    let github_script = rollout_step(&workflow, "rollout-staging")["run"]
        .as_str()
        .unwrap()
        .to_string();
    let gitlab_script = gitlab["rollout:staging"]["script"][1]
        .as_str()
        .unwrap()
        .to_string();
    // A stand-in `tug` that exits with the code under test, first on PATH.
    let bin = tmp.path().join("bin");
    stand_in_tug(&bin, "exit \"$TUG_EXIT\"\n");
    for script in [&github_script, &gitlab_script] {
        for (tug_exit, job_exit) in [(0, 0), (6, 0), (4, 4), (7, 7), (1, 1)] {
            let out = run(Command::new("sh")
                .args(["-e", "-c", script])
                .current_dir(tmp.path())
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .env("DEPLOY_STAGING_PUBLIC_KEY", "a key")
                .env("TUG_EXIT", tug_exit.to_string()));
            assert_eq!(out.code, job_exit, "tug exit {tug_exit}: {out:?}\n{script}");
            if tug_exit == 6 {
                assert!(
                    out.stdout.contains("tug rollout promote staging"),
                    "{out:?}"
                );
            }
        }
    }
}

/// Run the generated GitLab pipeline's `script:` lines for real: jobs in `needs:` order (the
/// `parallel: N` build as N jobs with `CI_NODE_INDEX`/`CI_NODE_TOTAL`), each in a fresh copy of
/// the repository holding only the artifacts (`artifacts: paths:`) of the jobs it needs; the
/// signing variables are given to the job in the `signing` environment only (as environment-scoped
/// CI/CD variables would be).
#[test]
fn the_generated_gitlab_pipeline_runs_for_real() {
    let PipelineProject {
        tmp,
        key,
        pem,
        hosts,
        repo,
    } = pipeline_project();
    let doc: Value = serde_saphyr::from_str(&generate(&repo, "gitlab")).unwrap();
    let jobs: Vec<(&String, &Value)> = doc
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.get("script").is_some())
        .collect();
    let path = path_with_tug();
    // job name -> the artifact directories it produced (one per parallel instance)
    let mut produced: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut ran = Vec::new();
    while ran.len() < jobs.len() {
        let before = ran.len();
        for (name, job) in &jobs {
            if ran.contains(*name) {
                continue;
            }
            let needs: Vec<String> = job["needs"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            if !needs.iter().all(|n| ran.contains(n)) {
                continue;
            }
            let total = job["parallel"].as_u64().unwrap_or(1);
            for index in 1..=total {
                let dir = tmp
                    .path()
                    .join("gitlab")
                    .join(format!("{}-{index}", name.replace(':', "_")));
                copy_tree(&repo, &dir);
                for need in &needs {
                    for artifact in &produced[need] {
                        let name = artifact.file_name().unwrap();
                        copy_tree(artifact, &dir.join(name));
                    }
                }
                let mut cmd = Command::new("bash");
                hermetic(&mut cmd);
                let script: Vec<&str> = job["script"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap())
                    .collect();
                cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                    .arg(script.join("\n"))
                    .current_dir(&dir)
                    .env("PATH", &path)
                    .env("CI_NODE_INDEX", index.to_string())
                    .env("CI_NODE_TOTAL", total.to_string());
                // Environment-scoped CI/CD variables: each job gets its environment's only.
                match job["environment"]["name"].as_str() {
                    Some("signing") => {
                        cmd.env("CI_TEST_COSIGN_KEY", &key)
                            .env("CI_TEST_COSIGN_PASSWORD", PASSWORD);
                    }
                    Some(env) => {
                        cmd.env(format!("DEPLOY_{}_PUBLIC_KEY", env.to_uppercase()), &pem);
                    }
                    None => {}
                }
                let out = run(&mut cmd);
                assert_eq!(out.code, 0, "{name} #{index}: {out:?}");
                for p in job["artifacts"]["paths"].as_array().into_iter().flatten() {
                    let rel = p
                        .as_str()
                        .unwrap()
                        .replace("$CI_NODE_INDEX", &index.to_string());
                    let from = dir.join(rel.trim_end_matches('/'));
                    assert!(from.is_dir(), "{name}: no artifact {rel}");
                    let keep = tmp
                        .path()
                        .join("gitlab-artifacts")
                        .join(format!("{}-{index}", name.replace(':', "_")))
                        .join(from.file_name().unwrap());
                    copy_tree(&from, &keep);
                    produced.entry(name.to_string()).or_default().push(keep);
                }
                produced.entry(name.to_string()).or_default();
            }
            ran.push(name.to_string());
        }
        assert!(ran.len() > before, "needs: cycle");
    }
    let signed = &produced["sign"][0];
    assert!(signed.join("hello_1.2.3_checksums.txt.sig").is_file());
    assert_eq!(produced["build"].len(), 3);
    for env in ["staging", "prod"] {
        let current = std::fs::read_link(hosts.join(env).join("current")).unwrap();
        assert!(current.ends_with("releases/1.2.3"), "{env}: {current:?}");
    }
}

/// A one-target Go project with `tail` appended to its tug.yaml, `cosign.pub` committed, tagged.
fn small_project(dir: &Path, tail: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(dir.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    std::fs::write(dir.join("cosign.pub"), "committed public key\n").unwrap();
    std::fs::write(
        dir.join("tug.yaml"),
        format!(
            "version: 1\nproject:\n  name: hello\nbuilds:\n  - id: hello\n    main: .\n    binary: hello\n    targets: [linux/amd64]\n{tail}"
        ),
    )
    .unwrap();
    git_init_commit(dir, Some("v1.0.0"));
}

/// The `DEPLOY_*` names a job's text mentions.
fn deploy_names(job: &Value) -> Vec<String> {
    let text = job.to_string();
    let mut names: Vec<String> = text
        .match_indices("DEPLOY_")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// An ssh environment without identity_file or known_hosts: its rollout job, and no other job,
/// receives the key (into an ssh-agent) and the hosts' keys (into ssh's default known_hosts), and
/// the comments name the secrets to create. A local environment whose public key is committed
/// gets nothing. The wiring lines are run for real: while `tug rollout` runs, the agent holds the
/// key and the secrets are no longer in its environment; a missing secret stops the job, naming it.
#[test]
fn rollout_secrets_reach_only_their_rollout_job() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    small_project(
        &repo,
        "sign:\n  key: env://COSIGN_KEY\nenvironments:\n  prod:\n    target:\n      type: ssh\n      hosts: [{name: web1, address: web1.example.com, path: /srv/hello}]\n    public_key: cosign.pub\n  staging:\n    target: {type: local, hosts: [{name: s1, path: hosts/s1}]}\n    public_key: cosign.pub\nci:\n  install: tug --version\n",
    );
    let text = ok(tug(&repo).args(["ci", "github", "-o", "-"]));
    assert!(
        text.contains("#   DEPLOY_PROD_SSH_KEY: the private ssh key the hosts accept")
            && text.contains("#   DEPLOY_PROD_KNOWN_HOSTS: the hosts' known_hosts lines"),
        "{text}"
    );
    let workflow: Value = serde_saphyr::from_str(&text).unwrap();
    for (name, job) in workflow["jobs"].as_object().unwrap() {
        let want: &[&str] = if name == "rollout-prod" {
            &["DEPLOY_PROD_KNOWN_HOSTS", "DEPLOY_PROD_SSH_KEY"]
        } else {
            &[]
        };
        assert_eq!(deploy_names(job), want, "{name}");
    }
    let steps = workflow["jobs"]["rollout-prod"]["steps"]
        .as_array()
        .unwrap();
    let rollout = rollout_step(&workflow, "rollout-prod");
    assert_eq!(
        rollout["env"],
        serde_json::json!({
            "DEPLOY_PROD_SSH_KEY": "${{ secrets.DEPLOY_PROD_SSH_KEY }}",
            "DEPLOY_PROD_KNOWN_HOSTS": "${{ secrets.DEPLOY_PROD_KNOWN_HOSTS }}",
        })
    );
    assert!(
        steps.iter().filter(|s| s.get("env").is_some()).count() == 1,
        "only the rollout step has the secrets"
    );
    assert_actionlint_accepts(tmp.path(), &repo, &text);

    // The step for real, with a stand-in tug that reports what it sees.
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let key = tmp.path().join("id");
    ok(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ci-test", "-f"])
        .arg(&key));
    let bin = tmp.path().join("bin");
    stand_in_tug(
        &bin,
        "ssh-add -l > \"$HOME/agent.txt\"\nenv > \"$HOME/env.txt\"\nexit 0\n",
    );
    let script = rollout["run"].as_str().unwrap();
    let step = |with_key: bool| {
        let mut cmd = step_command(script, tmp.path(), &home, &bin);
        cmd.env(
            "DEPLOY_PROD_KNOWN_HOSTS",
            "web1.example.com ssh-ed25519 AAAAtest",
        );
        if with_key {
            cmd.env(
                "DEPLOY_PROD_SSH_KEY",
                std::fs::read_to_string(&key).unwrap(),
            );
        }
        run(&mut cmd)
    };
    let out = step(true);
    assert_eq!(out.code, 0, "{out:?}");
    let agent = std::fs::read_to_string(home.join("agent.txt")).unwrap();
    assert!(
        agent.contains("ci-test") && agent.contains("ED25519"),
        "{agent}"
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".ssh/known_hosts")).unwrap(),
        "web1.example.com ssh-ed25519 AAAAtest\n"
    );
    let env = std::fs::read_to_string(home.join("env.txt")).unwrap();
    assert!(!env.contains("DEPLOY_"), "tug sees the secrets: {env}");
    let out = step(false);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("the CI secret DEPLOY_PROD_SSH_KEY is not set"),
        "{out:?}"
    );

    // GitLab: the same variables, in the prod rollout job only, with the scoping advice.
    let text = ok(tug(&repo).args(["ci", "gitlab", "-o", "-"]));
    assert!(
        text.contains("scoped to the environment \"prod\"")
            && text.contains("#   DEPLOY_PROD_SSH_KEY: the private ssh key"),
        "{text}"
    );
    assert_eq!(gitlab_schema_errors(&text), Vec::<String>::new());
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    for (name, job) in doc.as_object().unwrap() {
        if job.get("script").is_none() {
            continue;
        }
        let want: &[&str] = if name == "rollout:prod" {
            &["DEPLOY_PROD_KNOWN_HOSTS", "DEPLOY_PROD_SSH_KEY"]
        } else {
            &[]
        };
        assert_eq!(deploy_names(&job["script"]), want, "{name}");
    }
}

/// How jobs get tug: `ci.install` in tug.yaml (so `--check` needs no flags), `--install` over it,
/// and with neither a step that fails saying what to set (plus a warning when writing). The
/// GitLab image the same way (`ci.image`, `--image`, default).
#[test]
fn the_install_command_comes_from_tug_yaml_and_its_absence_fails_the_step() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    small_project(&repo, "");
    let out = run(tug(&repo).args(["ci", "github", "-o", "-"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("warning: ci.install is not set"),
        "{out:?}"
    );
    let workflow: Value = serde_saphyr::from_str(&out.stdout).unwrap();
    let install = workflow["jobs"]["build"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Install tug")
        .unwrap()["run"]
        .as_str()
        .unwrap()
        .to_string();
    let step = run(Command::new("bash").args(["-e", "-c", &install]));
    assert_eq!(step.code, 1, "{step:?}");
    assert!(
        step.stdout
            .contains("::error::no command installs tug in this job: set ci.install in tug.yaml"),
        "{step:?}"
    );
    assert_actionlint_accepts(tmp.path(), &repo, &out.stdout);
    let gitlab = ok(tug(&repo).args(["ci", "gitlab", "-o", "-"]));
    let doc: Value = serde_saphyr::from_str(&gitlab).unwrap();
    assert_eq!(doc["default"]["image"], "golang:1-bookworm");
    assert!(doc["build"]["script"][0]
        .as_str()
        .unwrap()
        .ends_with("then run 'tug ci gitlab' again\"; exit 1"));

    // ci: in tug.yaml; the written file is then checked without any flag.
    let yaml = std::fs::read_to_string(repo.join("tug.yaml")).unwrap();
    std::fs::write(
        repo.join("tug.yaml"),
        format!("{yaml}ci:\n  install: echo from-yaml\n  image: example.com/go:1\n"),
    )
    .unwrap();
    let out = run(tug(&repo).args(["ci", "gitlab"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("warning"), "{out:?}");
    let doc: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(repo.join(".gitlab-ci.yml")).unwrap())
            .unwrap();
    assert_eq!(doc["default"]["image"], "example.com/go:1");
    assert_eq!(doc["build"]["script"][0], "echo from-yaml");
    ok(tug(&repo).args(["ci", "gitlab", "--check"]));
    // A flag wins over tug.yaml (and then the file differs from what tug.yaml alone gives).
    let doc: Value = serde_saphyr::from_str(&ok(tug(&repo).args([
        "ci",
        "gitlab",
        "--install",
        "echo flag",
        "--image",
        "other:2",
        "-o",
        "-",
    ])))
    .unwrap();
    assert_eq!(doc["build"]["script"][0], "echo flag");
    assert_eq!(doc["default"]["image"], "other:2");
}

/// A tag prefix with glob characters matches literally on GitHub too; `-o -` under `--json`
/// prints one event holding the file; a `dir` publisher's output is kept as the publish job's
/// artifact (and one outside the checkout is warned about).
#[test]
fn tag_prefixes_json_output_and_the_dir_publisher() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    small_project(
        &repo,
        "publish:\n  - type: dir\n    path: published\n  - type: dir\n    name: shared\n    path: /srv/releases\nci:\n  install: tug --version\n",
    );
    let yaml = std::fs::read_to_string(repo.join("tug.yaml")).unwrap();
    std::fs::write(
        repo.join("tug.yaml"),
        yaml.replace("  name: hello\n", "  name: hello\n  tag_prefix: rel+\n"),
    )
    .unwrap();
    let out = run(tug(&repo).args(["ci", "github", "-o", "-"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("the dir publisher writes to \"/srv/releases\", outside the checkout"),
        "{out:?}"
    );
    let text = out.stdout;
    let workflow: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(workflow["on"]["push"]["tags"][0], "rel\\+[0-9]*");
    let kept = workflow["jobs"]["publish"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["with"]["name"] == "published")
        .expect("the dir publisher's output is uploaded");
    assert_eq!(kept["with"]["path"], "published");
    let gitlab: Value =
        serde_saphyr::from_str(&ok(tug(&repo).args(["ci", "gitlab", "-o", "-"]))).unwrap();
    assert_eq!(
        gitlab["workflow"]["rules"][0]["if"],
        "$CI_COMMIT_TAG =~ /^rel\\+[0-9]/"
    );
    assert_eq!(
        gitlab["publish"]["artifacts"]["paths"],
        serde_json::json!(["dist/", "published/"])
    );

    let json = ok(tug(&repo).args(["--json", "ci", "github", "-o", "-"]));
    let events: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let generated = events
        .iter()
        .find(|e| e["event"] == "ci-generated")
        .expect("a ci-generated event");
    assert_eq!(generated["text"], text);
    assert_eq!(generated["provider"], "github");
}

/// `tug init --ci github|gitlab` writes tug.yaml and the pipeline from the same generator: the
/// pipeline is what `tug ci` writes for that tug.yaml (`--check` passes), valid for actionlint
/// and GitLab's schema. A hand-written pipeline in the way stops it before anything is written.
#[test]
fn init_with_ci_writes_the_pipeline_beside_tug_yaml() {
    let tmp = tempdir();
    for (provider, file) in [
        ("github", ".github/workflows/release.yml"),
        ("gitlab", ".gitlab-ci.yml"),
    ] {
        let dir = tmp.path().join(provider);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
        std::fs::write(dir.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
        git_init_commit(&dir, None);
        let out = run(tug(&dir).args(["init", "--ci", provider]));
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stderr.contains("ci.install is not set"), "{out:?}");
        assert!(out.stderr.contains(&format!("Wrote {file}")), "{out:?}");
        let yaml = std::fs::read_to_string(dir.join("tug.yaml")).unwrap();
        assert!(
            yaml.contains("# ci:\n#   install: cargo install --locked --git"),
            "{yaml}"
        );
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.starts_with(&format!("# Generated by `tug ci {provider}`")));
        let check = run(tug(&dir).args(["ci", provider, "--check"]));
        assert_eq!(check.code, 0, "{check:?}");
        if provider == "github" {
            let lint = run(Command::new(actionlint())
                .arg(dir.join(file))
                .current_dir(&dir));
            assert_eq!(lint.code, 0, "actionlint: {lint:?}");
        } else {
            assert_eq!(gitlab_schema_errors(&text), Vec::<String>::new());
        }
    }
    // A hand-written .gitlab-ci.yml: refused (exit 2), and no tug.yaml either.
    let dir = tmp.path().join("handwritten");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(dir.join(".gitlab-ci.yml"), "stages: [test]\n").unwrap();
    let out = run(tug(&dir).args(["init", "--ci", "gitlab"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("was not generated by tug"), "{out:?}");
    assert!(!dir.join("tug.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap(),
        "stages: [test]\n"
    );
}

/// The variables `notify:` webhooks reference (a top-level `env://` URL, an environment's
/// `${VAR}` header) reach the rollout step of the environments that notify, as CI secrets named
/// in the comments, and stay in `tug rollout`'s environment (it resolves them when it sends); an
/// environment with `notify: []` gets none. GitLab: the comments name them for the job scoping.
#[test]
fn notify_secrets_reach_the_rollout_jobs_that_send_notifications() {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    small_project(
        &repo,
        "sign:\n  key: env://COSIGN_KEY\nnotify:\n  - url: env://SLACK_HOOK\n    format: slack\nenvironments:\n  prod:\n    target: {type: local, hosts: [{name: p1, path: hosts/p1}]}\n    public_key: cosign.pub\n    notify:\n      - url: env://SLACK_HOOK\n      - url: https://hooks.example/tug\n        headers: {Authorization: 'Bearer ${HOOK_TOKEN}'}\n  qa:\n    target: {type: local, hosts: [{name: q1, path: hosts/q1}]}\n    public_key: cosign.pub\n  staging:\n    target: {type: local, hosts: [{name: s1, path: hosts/s1}]}\n    public_key: cosign.pub\n    notify: []\nci:\n  install: tug --version\n",
    );
    let text = ok(tug(&repo).args(["ci", "github", "-o", "-"]));
    assert!(
        text.contains("#   HOOK_TOKEN: a notify: webhook's URL or header secret")
            && text.contains("#   SLACK_HOOK: a notify: webhook's URL or header secret"),
        "{text}"
    );
    assert_actionlint_accepts(tmp.path(), &repo, &text);
    let workflow: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(
        rollout_step(&workflow, "rollout-prod")["env"],
        serde_json::json!({
            "HOOK_TOKEN": "${{ secrets.HOOK_TOKEN }}",
            "SLACK_HOOK": "${{ secrets.SLACK_HOOK }}",
        })
    );
    assert_eq!(
        rollout_step(&workflow, "rollout-qa")["env"],
        serde_json::json!({"SLACK_HOOK": "${{ secrets.SLACK_HOOK }}"})
    );
    assert_eq!(rollout_step(&workflow, "rollout-staging").get("env"), None);
    for (name, job) in workflow["jobs"].as_object().unwrap() {
        if !name.starts_with("rollout-") {
            assert!(
                !job.to_string().contains("SLACK_HOOK") && !job.to_string().contains("HOOK_TOKEN"),
                "{name} receives a notify secret"
            );
        }
    }

    // The step for real, with a stand-in tug that records its environment: the variables are
    // still there when `tug rollout` runs (not unset like the deploy secrets).
    let home = tmp.path().join("home");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&home).unwrap();
    stand_in_tug(&bin, "env > \"$HOME/env.txt\"\nexit 0\n");
    let step = rollout_step(&workflow, "rollout-prod");
    let out = run(
        step_command(step["run"].as_str().unwrap(), tmp.path(), &home, &bin)
            .env("SLACK_HOOK", "https://hooks.slack.example/T0/B0/s3cr3t")
            .env("HOOK_TOKEN", "t0ken"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let env = std::fs::read_to_string(home.join("env.txt")).unwrap();
    assert!(
        env.contains("SLACK_HOOK=https://hooks.slack.example/T0/B0/s3cr3t")
            && env.contains("HOOK_TOKEN=t0ken"),
        "{env}"
    );

    // GitLab: valid, and the prod and qa jobs' comments name their variables.
    let text = ok(tug(&repo).args(["ci", "gitlab", "-o", "-"]));
    assert_eq!(gitlab_schema_errors(&text), Vec::<String>::new());
    let job_text = |job: &str| -> String {
        let start = text.find(&format!("\"rollout:{job}\":")).unwrap();
        let rest = &text[start + 1..];
        rest[..rest.find("\n\n").unwrap_or(rest.len())].to_string()
    };
    assert!(
        job_text("prod").contains("#   HOOK_TOKEN: a notify:")
            && job_text("prod").contains("#   SLACK_HOOK: a notify:"),
        "{text}"
    );
    assert!(
        job_text("qa").contains("#   SLACK_HOOK: a notify:")
            && !job_text("qa").contains("HOOK_TOKEN"),
        "{text}"
    );
    assert!(!job_text("staging").contains("SLACK_HOOK"), "{text}");
}
