//! Prometheus analysis: instant queries (templated with version, canary hosts, environment, window)
//! measured `count` times every `interval` after `initial_delay`. Each measurement is judged by the
//! failure conditions (first match, with its rollback scope), then the success condition; no data
//! (an empty vector or NaN) counts as the configured `no_data` policy. More than `failure_limit`
//! failed measurements fail the analysis; more than `inconclusive_limit` inconclusive ones make it
//! inconclusive (the rollout pauses for a human).

use std::collections::BTreeMap;

use crate::config::deploy::{AnalysisConfig, NoDataPolicy, RollbackScope};

use super::health::HttpClient;

/// The verdict of one measurement or of a whole analysis.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    Fail {
        scope: RollbackScope,
        reason: String,
    },
    Inconclusive {
        reason: String,
    },
}

/// What the queries are templated with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueryContext {
    pub version: String,
    pub environment: String,
    /// Regex alternation of the canary hosts' names (`web1|web2`).
    pub hosts: String,
    /// Regex alternation of the canary hosts' addresses.
    pub addresses: String,
    pub window: String,
}

/// Run an instant query; `None` when there is no data (empty result or NaN).
pub fn instant_query(
    http: &HttpClient,
    prometheus: &str,
    query: &str,
    timeout: std::time::Duration,
) -> Result<Option<f64>, String> {
    let url = format!("{}/api/v1/query", prometheus.trim_end_matches('/'));
    let (status, text) = http.block_on(async {
        let resp = http
            .client()
            .get(&url)
            .query(&[("query", query)])
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| format!("prometheus {prometheus}: {e}"))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| format!("prometheus {prometheus}: {e}"))?;
        Ok::<_, String>((status, text))
    })?;
    tracing::debug!(
        prometheus,
        query,
        status = status.as_u16(),
        "prometheus query"
    );
    let body: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    if !status.is_success() {
        // The server's own message (`parse error at char 5: ...`), not the encoded URL.
        let why = body
            .as_ref()
            .and_then(|b| b.get("error"))
            .and_then(|e| e.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}: {}", text.trim()));
        return Err(format!(
            "prometheus {prometheus} rejected the query {query}: {why}"
        ));
    }
    let body = body.ok_or_else(|| format!("prometheus {prometheus}: the reply is not JSON"))?;
    parse_result(&body).map_err(|e| format!("query {query}: {e}"))
}

fn parse_result(body: &serde_json::Value) -> Result<Option<f64>, String> {
    let data = &body["data"];
    let value = match data["resultType"].as_str() {
        Some("vector") => match data["result"].as_array() {
            Some(v) if v.is_empty() => return Ok(None),
            Some(v) if v.len() > 1 => {
                let labels: Vec<String> = v.iter().map(|s| label_set(&s["metric"])).collect();
                return Err(format!(
                    "returned {} series, not one number: {}; aggregate it (sum, max, avg ...)",
                    v.len(),
                    labels.join(", ")
                ));
            }
            Some(v) => v[0]["value"][1].clone(),
            None => return Err("malformed vector result".into()),
        },
        Some("scalar") => data["result"][1].clone(),
        other => {
            return Err(format!(
                "unsupported result type {other:?}: use a query returning one number"
            ))
        }
    };
    let n: f64 = value
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or("malformed sample value")?;
    Ok(if n.is_nan() { None } else { Some(n) })
}

/// `{host="h1", version="2.0.0"}`.
fn label_set(metric: &serde_json::Value) -> String {
    let pairs: Vec<String> = metric
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    format!("{{{}}}", pairs.join(", "))
}

/// Judge one measurement: `values` maps `result` and each named query to its value.
pub fn judge(
    cfg: &AnalysisConfig,
    values: &BTreeMap<String, Option<f64>>,
) -> Result<Verdict, String> {
    let missing: Vec<&str> = values
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.as_str())
        .collect();
    if !missing.is_empty() {
        let reason = format!("no data for {}", missing.join(", "));
        return Ok(match cfg.no_data {
            NoDataPolicy::Pass => Verdict::Pass,
            NoDataPolicy::Fail => Verdict::Fail {
                scope: RollbackScope::All,
                reason,
            },
            NoDataPolicy::Inconclusive => Verdict::Inconclusive { reason },
        });
    }
    let ctx: BTreeMap<&str, f64> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.unwrap_or(f64::NAN)))
        .collect();
    let shown = values
        .iter()
        .map(|(k, v)| format!("{k}={}", v.map(|x| format!("{x:.4}")).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let eval = |expr: &str| -> Result<bool, String> {
        let compiled = env
            .compile_expression(expr)
            .map_err(|e| format!("condition {expr:?}: {e}"))?;
        let v = compiled
            .eval(&ctx)
            .map_err(|e| format!("condition {expr:?}: {e}"))?;
        Ok(v.is_true())
    };
    for f in &cfg.failure {
        if eval(&f.condition.value)? {
            return Ok(Verdict::Fail {
                scope: f.rollback,
                reason: format!("{} ({shown})", f.condition.value),
            });
        }
    }
    match &cfg.success {
        Some(s) if !eval(&s.value)? => Ok(Verdict::Inconclusive {
            reason: format!("success condition {} not met ({shown})", s.value),
        }),
        _ => Ok(Verdict::Pass),
    }
}

/// Render the queries for this measurement: `result` for `query`, plus each named query.
pub fn render_queries(
    cfg: &AnalysisConfig,
    ctx: &QueryContext,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    if let Some(q) = &cfg.query {
        out.insert("result".to_string(), super::render("query", q, ctx)?);
    }
    for (name, q) in &cfg.queries {
        out.insert(
            name.clone(),
            super::render(&format!("queries.{name}"), q, ctx)?,
        );
    }
    Ok(out)
}

/// Whether a measurement saw enough traffic: the `samples` query against `min_samples`.
fn thin_traffic(cfg: &AnalysisConfig, samples: Option<f64>) -> Option<Verdict> {
    let min = cfg.min_samples?;
    let got = samples.unwrap_or(0.0);
    (got < min as f64).then(|| Verdict::Inconclusive {
        reason: format!("only {got:.0} samples, min_samples is {min}"),
    })
}

/// Run the whole analysis, reporting each measurement through `on_measure`.
pub fn run(
    http: &HttpClient,
    cfg: &AnalysisConfig,
    ctx: &QueryContext,
    on_measure: &dyn Fn(u32, &Verdict),
) -> Result<Verdict, String> {
    let queries = render_queries(cfg, ctx)?;
    let samples = cfg
        .samples
        .as_ref()
        .map(|q| super::render("samples", q, ctx))
        .transpose()?;
    let timeout = std::time::Duration::from_secs(10);
    std::thread::sleep(cfg.initial_delay());
    let count = cfg.count.unwrap_or(1).max(1);
    let (mut failed, mut inconclusive) = (0u32, 0u32);
    let mut last_inconclusive = String::new();
    for i in 0..count {
        if i > 0 {
            std::thread::sleep(cfg.interval());
        }
        let thin = match &samples {
            Some(q) => thin_traffic(cfg, instant_query(http, &cfg.prometheus, q, timeout)?),
            None => None,
        };
        let verdict = match thin {
            Some(v) => v,
            None => {
                let mut values = BTreeMap::new();
                for (name, q) in &queries {
                    values.insert(
                        name.clone(),
                        instant_query(http, &cfg.prometheus, q, timeout)?,
                    );
                }
                judge(cfg, &values)?
            }
        };
        on_measure(i + 1, &verdict);
        match verdict {
            Verdict::Pass => {}
            Verdict::Fail { scope, reason } => {
                failed += 1;
                if failed > cfg.failure_limit.unwrap_or(0) {
                    return Ok(Verdict::Fail {
                        scope,
                        reason: format!("measurement {}: {reason}", i + 1),
                    });
                }
            }
            Verdict::Inconclusive { reason } => {
                inconclusive += 1;
                last_inconclusive = reason;
            }
        }
    }
    if inconclusive > cfg.inconclusive_limit.unwrap_or(0) {
        return Ok(Verdict::Inconclusive {
            reason: format!(
                "{inconclusive} of {count} measurements inconclusive: {last_inconclusive}"
            ),
        });
    }
    Ok(Verdict::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy from the issue: error rate > 15% rolls back everything; p50 > 800 ms with an
    /// error rate > 3% rolls back the canary hosts only; otherwise continue.
    const POLICY: &str = r#"
prometheus: http://127.0.0.1:9
queries:
  error_rate: 'sum(rate(x{code=~"5.."}[1m])) / sum(rate(x[1m]))'
  p50: 'histogram_quantile(0.5, sum by (le) (rate(y_bucket[1m])))'
failure:
  - condition: error_rate > 0.15
    rollback: all
  - condition: p50 > 0.8 and error_rate > 0.03
    rollback: canary
no_data: inconclusive
"#;

    fn measure(cfg: &AnalysisConfig, err: Option<f64>, p50: Option<f64>) -> Verdict {
        let values = BTreeMap::from([("error_rate".to_string(), err), ("p50".to_string(), p50)]);
        judge(cfg, &values).unwrap()
    }

    #[test]
    fn the_issue_policy() {
        let cfg: AnalysisConfig = serde_saphyr::from_str(POLICY).unwrap();
        assert!(matches!(
            measure(&cfg, Some(0.2), Some(0.1)),
            Verdict::Fail {
                scope: RollbackScope::All,
                ..
            }
        ));
        assert!(matches!(
            measure(&cfg, Some(0.05), Some(0.9)),
            Verdict::Fail {
                scope: RollbackScope::Canary,
                ..
            }
        ));
        assert_eq!(measure(&cfg, Some(0.05), Some(0.5)), Verdict::Pass);
        assert_eq!(measure(&cfg, Some(0.01), Some(2.0)), Verdict::Pass);
        assert!(matches!(
            measure(&cfg, None, Some(0.5)),
            Verdict::Inconclusive { .. }
        ));
    }

    #[test]
    fn parses_vector_scalar_and_nan() {
        let v = serde_json::json!({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.25"]}]}});
        assert_eq!(parse_result(&v).unwrap(), Some(0.25));
        let e = serde_json::json!({"status":"success","data":{"resultType":"vector","result":[]}});
        assert_eq!(parse_result(&e).unwrap(), None);
        let n = serde_json::json!({"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}});
        assert_eq!(parse_result(&n).unwrap(), None);
    }

    #[test]
    fn several_series_are_an_error_naming_their_labels() {
        let v = serde_json::json!({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"host":"h1"},"value":[1,"0.1"]},
            {"metric":{"host":"h2"},"value":[1,"0.9"]}]}});
        let err = parse_result(&v).unwrap_err();
        assert!(err.contains("returned 2 series"), "{err}");
        assert!(err.contains(r#"{host="h1"}, {host="h2"}"#), "{err}");
    }

    #[test]
    fn thin_traffic_is_inconclusive() {
        let mut cfg: AnalysisConfig = serde_saphyr::from_str(POLICY).unwrap();
        assert_eq!(
            thin_traffic(&cfg, Some(3.0)),
            None,
            "no min_samples: no guard"
        );
        cfg.min_samples = Some(50);
        assert!(matches!(
            thin_traffic(&cfg, Some(49.0)),
            Some(Verdict::Inconclusive { reason }) if reason.contains("only 49 samples")
        ));
        assert!(matches!(
            thin_traffic(&cfg, None),
            Some(Verdict::Inconclusive { .. })
        ));
        assert_eq!(thin_traffic(&cfg, Some(50.0)), None);
    }
}
