//! Rollout notifications (`notify:`) end to end: real rollouts of the demo service (built by the
//! real Go toolchain) on local hosts, a real Prometheus for the failing analysis, and a real HTTP
//! receiver (`harness::webhook`) that records what tug POSTs, answers with scripted statuses, or
//! never answers.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::fleet::{all, Fleet, ALL_AT_ONCE};
use crate::harness::prometheus::prometheus;
use crate::harness::service::{release, Variant};
use crate::harness::webhook::{Receiver, Request};
use crate::harness::*;

const V1: Variant = Variant::good("1.0.0");
const V2: Variant = Variant::good("2.1.0");

const TOKEN: &str = "T0K3N-in-the-path-9f8e7d";
const HEADER_SECRET: &str = "hdr-secret-5a4b3c2d1e";

const CANARY: &str =
    "      type: canary\n      steps:\n        - hosts: 1\n        - hosts: 100%\n";

fn write_config(fleet: &Fleet, cwd: &Path, notify: &str, envs: &[String]) {
    std::fs::create_dir_all(cwd).unwrap();
    std::fs::write(
        cwd.join("tug.yaml"),
        format!("version: 1\n{notify}environments:\n{}", envs.concat()),
    )
    .unwrap();
    let _ = fleet;
}

/// `tug rollout ENV` with the webhook's URL and header secret in the environment, under `-v`
/// (so the logs are checked for secrets too).
fn rollout_notifying(cwd: &Path, env: &str, dist: &Path, hook_url: &str) -> Outcome {
    run(tug(cwd)
        .env("HOOK_URL", hook_url)
        .env("HOOK_TOKEN", HEADER_SECRET)
        .args(["-v", "rollout", env, "--dist"])
        .arg(dist))
}

/// `init` rolled out with 1.0.0, then `prod` with 2.1.0, both notifying `hook_url`: the prod
/// rollout's outcome (checked to hold no secret) and the requests `hook` received for it.
fn init_then_prod(cwd: &Path, hook: &Receiver, hook_url: &str) -> (Outcome, Vec<Request>) {
    let out = rollout_notifying(cwd, "init", &release(V1), hook_url);
    assert_eq!(out.code, 0, "{out:?}");
    let first = hook.requests().len();
    let out = rollout_notifying(cwd, "prod", &release(V2), hook_url);
    assert_no_secret(&out);
    (out, hook.requests().into_iter().skip(first).collect())
}

fn kinds(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn assert_no_secret(out: &Outcome) {
    for secret in [TOKEN, HEADER_SECRET] {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{secret} leaked:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
fn a_canary_rollout_and_a_rollback_are_notified_in_order_as_json_and_slack() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let json_hook = Receiver::ok();
    let slack_hook = Receiver::ok();
    let notify = format!(
        "notify:\n  - url: env://HOOK_URL\n    headers: {{Authorization: \"Bearer ${{HOOK_TOKEN}}\"}}\n  - url: {}\n    format: slack\n    events: [started, rolled-back, finished]\n",
        slack_hook.url("/slack")
    );
    write_config(
        &fleet,
        &cwd,
        &notify,
        &[
            fleet.env("init", ALL_AT_ONCE, ""),
            fleet.env("prod", CANARY, ""),
        ],
    );
    let hook_url = json_hook.url(&format!("/hooks/{TOKEN}"));
    let (out, got) = init_then_prod(&cwd, &json_hook, &hook_url);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("2.1.0", 2));

    // Every event of the canary, in order, each delivered before the command ended.
    assert_eq!(
        kinds(&got),
        ["started", "step-passed", "step-passed", "finished"],
        "{got:?}"
    );
    for r in &got {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, format!("/hooks/{TOKEN}"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {HEADER_SECRET}").as_str())
        );
    }
    let started = got[0].json();
    let keys: Vec<&str> = started
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "schema",
            "event",
            "environment",
            "version",
            "from_version",
            "to_version",
            "hosts",
            "step",
            "reason",
            "trigger",
            "actor",
            "rollout_id",
            "timestamp"
        ]
    );
    assert_eq!(started["schema"], "tug.rollout-event/v1");
    assert_eq!(started["environment"], "prod");
    assert_eq!(started["version"], "2.1.0");
    assert_eq!(started["from_version"], "1.0.0");
    assert_eq!(started["hosts"], serde_json::json!(["h1", "h2"]));
    assert_eq!(started["step"], serde_json::Value::Null);
    assert!(started["actor"].as_str().unwrap().contains('@'));
    assert!(chrono::DateTime::parse_from_rfc3339(started["timestamp"].as_str().unwrap()).is_ok());
    let step1 = got[1].json();
    assert_eq!(
        step1["step"],
        serde_json::json!({"number": 1, "total": 2, "kind": "deploy", "description": "switch h1"})
    );
    assert_eq!(step1["hosts"], serde_json::json!(["h1"]));
    assert_eq!(got[2].json()["step"]["number"], 2);
    assert_eq!(got[3].json()["hosts"], serde_json::json!(["h1", "h2"]));
    let id = started["rollout_id"].as_str().unwrap();
    assert!(got.iter().all(|r| r.json()["rollout_id"] == id));

    // `tug rollback` is notified too (manual: trigger rollback, from 2.1.0 to 1.0.0).
    let out = run(tug(&cwd)
        .env("HOOK_URL", &hook_url)
        .env("HOOK_TOKEN", HEADER_SECRET)
        .args(["rollback", "prod", "--yes", "--reason", "customer reports"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_no_secret(&out);
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    let back = json_hook.requests().last().unwrap().json();
    assert_eq!(back["event"], "rolled-back");
    assert_eq!(back["trigger"], "rollback");
    assert_eq!(back["version"], "2.1.0");
    assert_eq!(back["to_version"], "1.0.0");
    assert_eq!(back["reason"], "customer reports");
    assert_eq!(back["hosts"], serde_json::json!(["h1", "h2"]));
    // The id of the rollout it undoes (the one that brought 2.1.0), from host history.
    assert_eq!(back["rollout_id"], id);

    // The Slack webhook got only the events it asked for, as Slack messages.
    let slack = slack_hook.requests();
    let texts: Vec<String> = slack
        .iter()
        .map(|r| r.json()["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        texts,
        [
            "init: rollout of 1.0.0 started on h1, h2",
            "init: 1.0.0 rolled out on h1, h2",
            "prod: rollout of 2.1.0 started (from 1.0.0) on h1, h2",
            "prod: 2.1.0 rolled out on h1, h2",
            "prod: rolled back from 2.1.0 to 1.0.0 on h1, h2",
        ]
    );
    let last = slack.last().unwrap().json();
    assert_eq!(last["blocks"][0]["type"], "section");
    assert_eq!(last["blocks"][0]["text"]["type"], "mrkdwn");
    assert!(last["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .starts_with(":rewind: prod: rolled back"));
    assert_eq!(
        last["blocks"][1]["text"]["text"],
        "*Reason:* customer reports"
    );
    assert_eq!(last["blocks"][2]["type"], "context");
    assert!(slack.iter().all(|r| r.header("authorization").is_none()));
}

#[test]
fn a_failed_analysis_is_notified_then_the_automatic_rollback() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let hook = Receiver::ok();
    let prom = prometheus();
    // A query that always answers 1, and a failure condition it meets.
    let analysis = format!(
        "    analyses:\n      always-failing:\n        prometheus: {}\n        query: 'vector(1)'\n        failure:\n          - condition: result > 0.5\n            rollback: all\n        count: 1\n",
        prom.url
    );
    let steps = "      type: canary\n      steps:\n        - hosts: 1\n        - analysis: always-failing\n        - hosts: 100%\n";
    write_config(
        &fleet,
        &cwd,
        "notify:\n  - url: env://HOOK_URL\n",
        &[
            fleet.env("init", ALL_AT_ONCE, ""),
            fleet.env("prod", steps, &analysis),
        ],
    );
    let hook_url = hook.url(&format!("/hooks/{TOKEN}"));
    let (out, got) = init_then_prod(&cwd, &hook, &hook_url);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));

    assert_eq!(
        kinds(&got),
        ["started", "step-passed", "analysis-failed", "rolled-back"],
        "{got:?}"
    );
    let failed = got[2].json();
    assert_eq!(failed["hosts"], serde_json::json!(["h1"]));
    assert_eq!(failed["step"]["number"], 2);
    assert_eq!(failed["step"]["kind"], "analysis");
    assert_eq!(failed["step"]["description"], "analysis always-failing");
    assert!(
        failed["reason"].as_str().unwrap().contains("result > 0.5"),
        "{failed}"
    );
    let back = got[3].json();
    assert_eq!(back["trigger"], "automatic");
    assert_eq!(back["version"], "2.1.0");
    assert_eq!(back["to_version"], "1.0.0");
    assert_eq!(back["hosts"], serde_json::json!(["h1"]));
    assert!(back["reason"]
        .as_str()
        .unwrap()
        .starts_with("analysis always-failing failed"));
}

#[test]
fn a_receiver_that_never_answers_does_not_hold_the_rollout() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let silent = Receiver::silent();
    write_config(
        &fleet,
        &cwd,
        &format!(
            "notify:\n  - url: {}\n    timeout: 1s\n",
            silent.url("/hook")
        ),
        &[fleet.env("prod", ALL_AT_ONCE, "")],
    );
    let start = Instant::now();
    let out = rollout_notifying(&cwd, "prod", &release(V1), "unused");
    let took = start.elapsed();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    // Sent in order and one at a time: the first is still waiting for its answer.
    assert!(!silent.wait_for(1, Duration::from_secs(5)).is_empty());
    assert!(
        out.stderr.contains("warning: notify[0] (http://127.0.0.1:")
            && out.stderr.contains("notification(s) not delivered")
            && out
                .stderr
                .contains("still pending when the grace time ran out"),
        "{}",
        out.stderr
    );
    // Delivered in line, the 3 events x 4 attempts x 1 s would take more than 12 s.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_5xx_is_retried_and_a_4xx_is_not() {
    let fleet = Fleet::local(1);
    let cwd = fleet.root().join("work");
    let flaky = Receiver::answering(&[500], 200);
    let gone = Receiver::answering(&[], 404);
    write_config(
        &fleet,
        &cwd,
        &format!(
            "notify:\n  - url: {}\n    events: [started]\n  - url: {}\n    events: [started]\n",
            flaky.url("/flaky"),
            gone.url("/gone")
        ),
        &[fleet.env("prod", ALL_AT_ONCE, "")],
    );
    let out = rollout_notifying(&cwd, "prod", &release(V1), "unused");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 1));
    let f = flaky.requests();
    assert_eq!(kinds(&f), ["started", "started"], "{f:?}");
    assert_eq!(f[0].body, f[1].body);
    let g = gone.requests();
    assert_eq!(kinds(&g), ["started"], "{g:?}");
    assert!(
        out.stderr
            .contains("notification(s) not delivered: started: HTTP 404 Not Found (not retried)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("warning: notify[0]"), "{}", out.stderr);
}

#[test]
fn a_webhook_that_cannot_be_resolved_stops_the_rollout_before_any_host() {
    let fleet = Fleet::local(1);
    let cwd = fleet.root().join("work");
    write_config(
        &fleet,
        &cwd,
        "notify:\n  - url: env://NOT_SET_ANYWHERE\n",
        &[fleet.env("prod", ALL_AT_ONCE, "")],
    );
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--dist"])
        .arg(release(V1)));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("error: notify[0]: cannot resolve its url"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("environment variable NOT_SET_ANYWHERE is not set"),
        "{}",
        out.stderr
    );
    assert!(fleet.paths.iter().all(|p| !p.exists()));
    // Aborting (like rolling back) is never held up by a webhook: a warning, then the command.
    let out = run(tug(&cwd).args(["rollout", "abort", "prod"]));
    assert!(
        out.stderr
            .contains("warning: notify[0]: cannot resolve its url: export the variable")
            && out
                .stderr
                .contains("no unfinished rollout on the hosts of prod"),
        "{out:?}"
    );

    // A URL that is not http(s) is a located config error, its text never shown.
    std::fs::write(
        cwd.join("tug.yaml"),
        format!(
            "version: 1\nnotify:\n  - url: ftp://files.example/{TOKEN}\nenvironments:\n{}",
            fleet.env("prod", ALL_AT_ONCE, "")
        ),
    )
    .unwrap();
    let out = run(tug(&cwd).args(["check"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("tug.yaml:3:")
            && out.stderr.contains("notify[0].url is not an http(s) URL"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(TOKEN), "{}", out.stderr);
}

#[test]
fn a_revert_that_fails_on_a_host_is_notified_as_mixed() {
    const V13_UNHEALTHY: Variant = Variant {
        version: "1.3.0",
        fail_rate: 0.0,
        latency_ms: 0,
        healthy: false,
    };
    // The restart of 1.0.0 fails on a host holding `fail-restart`: its revert cannot finish.
    let restart = format!(
        "if [ -f fail-restart ] && [ \"$TUG_VERSION\" = \"$(cat fail-restart)\" ]; then echo \"injected restart failure\" >&2; exit 1; fi\n{}",
        crate::harness::service::RESTART
    );
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let hook = Receiver::ok();
    write_config(
        &fleet,
        &cwd,
        &format!(
            "notify:\n  - url: {}\n    events: [rolled-back, mixed]\n",
            hook.url("/h")
        ),
        &[fleet.env_with_restart("prod", ALL_AT_ONCE, "", &restart)],
    );
    let out = rollout_notifying(&cwd, "prod", &release(V1), "unused");
    assert_eq!(out.code, 0, "{out:?}");
    std::fs::write(fleet.paths[1].join("fail-restart"), "1.0.0").unwrap();
    let out = rollout_notifying(&cwd, "prod", &release(V13_UNHEALTHY), "unused");
    assert_eq!(out.code, 7, "{out:?}");
    let got = hook.requests();
    assert_eq!(kinds(&got), ["mixed"], "{got:?}");
    let mixed = got[0].json();
    assert_eq!(mixed["hosts"], serde_json::json!(["h2"]));
    assert_eq!(mixed["trigger"], "automatic");
    assert_eq!(mixed["version"], "1.3.0");
    assert!(
        mixed["reason"]
            .as_str()
            .unwrap()
            .starts_with("rollout of 1.3.0 stopped"),
        "{mixed}"
    );
}

#[test]
fn a_manual_pause_is_notified_and_the_promote_goes_on_notifying() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let hook = Receiver::ok();
    let steps = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: manual\n        - hosts: 100%\n";
    write_config(
        &fleet,
        &cwd,
        &format!("notify:\n  - url: {}\n", hook.url("/h")),
        &[fleet.env("prod", steps, "")],
    );
    let out = rollout_notifying(&cwd, "prod", &release(V1), "unused");
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(fleet.currents(), ["1.0.0", "none"]);
    let got = hook.requests();
    assert_eq!(kinds(&got), ["started", "step-passed", "paused"], "{got:?}");
    let paused = got[2].json();
    assert_eq!(paused["step"]["number"], 2);
    assert_eq!(paused["step"]["kind"], "pause");
    assert_eq!(paused["hosts"], serde_json::json!(["h1"]));
    assert_eq!(paused["reason"], "manual pause at step 2/3");

    let out = run(tug(&cwd).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    let got: Vec<Request> = hook.requests().into_iter().skip(3).collect();
    assert_eq!(
        kinds(&got),
        ["resumed", "step-passed", "finished"],
        "{got:?}"
    );
    let resumed = got[0].json();
    assert_eq!(resumed["step"]["number"], 3, "{resumed}");
    // The hosts of the step it continues with.
    assert_eq!(resumed["hosts"], serde_json::json!(["h2"]));
    assert_eq!(resumed["rollout_id"], paused["rollout_id"]);
    let reason = resumed["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("promoted by ") && reason.ends_with("(manual pause at step 2/3)"),
        "{reason}"
    );
    assert_eq!(got[1].json()["step"]["number"], 3);
    assert_eq!(got[2].json()["rollout_id"], paused["rollout_id"]);
}
