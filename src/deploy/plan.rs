//! Pure planning: the steps of a rollout for the hosts that need the release, by strategy.

use crate::config::deploy::{StrategyConfig, StrategyKind};

use super::hoststate::PlanStep;

/// The steps for `pending` hosts (in config order) under a strategy.
pub fn build_plan(strategy: &StrategyConfig, pending: &[String]) -> Vec<PlanStep> {
    let n = pending.len();
    if n == 0 {
        return Vec::new();
    }
    match strategy.kind {
        StrategyKind::AllAtOnce => vec![PlanStep::Deploy(pending.to_vec())],
        StrategyKind::Rolling => {
            let batch = strategy.batch.as_ref().map(|b| b.value.of(n)).unwrap_or(1);
            pending
                .chunks(batch)
                .map(|c| PlanStep::Deploy(c.to_vec()))
                .collect()
        }
        StrategyKind::Canary => {
            let mut steps = Vec::new();
            let mut done = 0;
            for s in &strategy.steps {
                if let Some(h) = &s.hosts {
                    let target = h.value.of(n);
                    if target > done {
                        steps.push(PlanStep::Deploy(pending[done..target].to_vec()));
                        done = target;
                    }
                } else if let Some(p) = &s.pause {
                    steps.push(PlanStep::Pause(p.value.clone()));
                } else if let Some(a) = &s.analysis {
                    steps.push(PlanStep::Analysis(a.value.clone()));
                } else if let Some(t) = &s.traffic {
                    steps.push(PlanStep::Traffic(t.value.0));
                }
            }
            if done < n {
                steps.push(PlanStep::Deploy(pending[done..].to_vec()));
            }
            steps
        }
        StrategyKind::BlueGreen => {
            let mut steps = vec![PlanStep::Prepare(pending.to_vec())];
            for s in &strategy.steps {
                if let Some(p) = &s.pause {
                    steps.push(PlanStep::Pause(p.value.clone()));
                } else if let Some(a) = &s.analysis {
                    steps.push(PlanStep::Analysis(a.value.clone()));
                }
            }
            steps.push(PlanStep::Switch(pending.to_vec()));
            steps
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("h{i}")).collect()
    }

    #[test]
    fn canary_plan_is_cumulative_and_finishes_the_fleet() {
        let s: StrategyConfig = serde_saphyr::from_str(
            "type: canary\nsteps:\n  - hosts: 1\n  - analysis: a\n  - hosts: 50%\n  - pause: manual\n",
        )
        .unwrap();
        let plan = build_plan(&s, &names(4));
        assert_eq!(
            plan,
            vec![
                PlanStep::Deploy(vec!["h1".into()]),
                PlanStep::Analysis("a".into()),
                PlanStep::Deploy(vec!["h2".into()]),
                PlanStep::Pause("manual".into()),
                PlanStep::Deploy(vec!["h3".into(), "h4".into()]),
            ]
        );
        let r: StrategyConfig = serde_saphyr::from_str("type: rolling\nbatch: 40%\n").unwrap();
        assert_eq!(build_plan(&r, &names(5)).len(), 3);
    }
}
