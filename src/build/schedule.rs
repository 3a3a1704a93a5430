//! Running the prepared jobs: a fixed number of worker threads take jobs in order, each runs its
//! hooks, its build command and the copy of its binary, and reports `Started`/`Finished` (or
//! `Skipped` after a `--fail-fast` failure) through the progress callback.
//!
//! Why a file of its own: this is the only place where the engine runs children concurrently;
//! what the jobs are is decided in [`super::plan`], what happens to their output in
//! [`super::package`].

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::invoke::{self, Invocation};
use super::plan::Prepared;
use super::{BuildEvent, TargetFailure};

/// Lines of compiler output shown for a failed target.
const TAIL_LINES: usize = 20;

/// How one job ended.
pub(crate) enum JobResult {
    Built { elapsed: Duration },
    Failed(TargetFailure),
    Skipped,
}

/// Run the jobs on `workers` threads; all are attempted unless `fail_fast`.
pub(crate) fn run_jobs(
    jobs: &[Prepared],
    workers: usize,
    fail_fast: bool,
    stage: &Path,
    dist: &Path,
    on: &(dyn Fn(BuildEvent) + Sync),
) -> Vec<JobResult> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<JobResult>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                let result = if stop.load(Ordering::SeqCst) {
                    on(BuildEvent::Skipped {
                        build: job.build.clone(),
                        target: job.target.name.clone(),
                    });
                    JobResult::Skipped
                } else {
                    on(BuildEvent::Started {
                        build: job.build.clone(),
                        target: job.target.name.clone(),
                    });
                    let started = Instant::now();
                    let r = run_job(job, stage, dist);
                    let elapsed = started.elapsed();
                    let (result, event) = match r {
                        Ok(size) => (JobResult::Built { elapsed }, Ok(size)),
                        Err(f) => {
                            if fail_fast {
                                stop.store(true, Ordering::SeqCst);
                            }
                            let status = f.status.clone();
                            (JobResult::Failed(f), Err(status))
                        }
                    };
                    on(BuildEvent::Finished {
                        build: job.build.clone(),
                        target: job.target.name.clone(),
                        elapsed,
                        result: event,
                    });
                    result
                };
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or(JobResult::Skipped))
        .collect()
}

/// Hooks, the build, the copy of the result; the binary's size on success.
fn run_job(job: &Prepared, stage: &Path, dist: &Path) -> Result<u64, TargetFailure> {
    let fail = |inv: &Invocation, status: String, output: &str| TargetFailure {
        build: job.build.clone(),
        target: job.target.name.clone(),
        status,
        output: invoke::tail(output, TAIL_LINES),
        reproduce: inv.reproduce(stage, dist),
    };
    for inv in job.before.iter().chain(std::iter::once(&job.main)) {
        let ran = inv.run();
        if !ran.success {
            return Err(fail(inv, ran.status, &ran.output));
        }
    }
    if let Some(from) = &job.copy_from {
        let copied = job
            .out
            .parent()
            .map(std::fs::create_dir_all)
            .unwrap_or(Ok(()))
            .and_then(|_| std::fs::copy(from, &job.out));
        if let Err(e) = copied {
            return Err(fail(
                &job.main,
                "no binary".into(),
                &format!("the build did not produce {}: {e}", from.display()),
            ));
        }
    }
    for inv in &job.after {
        let ran = inv.run();
        if !ran.success {
            return Err(fail(inv, ran.status, &ran.output));
        }
    }
    let meta = std::fs::metadata(&job.out).map_err(|e| {
        fail(
            &job.main,
            "no binary".into(),
            &format!("{} is missing after the build: {e}", job.out.display()),
        )
    })?;
    Ok(meta.len())
}
