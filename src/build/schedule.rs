//! Running the prepared jobs: the jobs are gathered into units (one child each), a fixed number
//! of worker threads take the units, biggest first, and each job reports `Started`/`Finished` (or
//! `Skipped` after a `--fail-fast` failure) through the progress callback.
//!
//! A unit is one job (its hooks, its build command, the copy of its binary), or the Go jobs of
//! one target that differ only in their main package: those share one
//! `go build -o DIR/ ./cmd/a ./cmd/b ...`, which loads and checks the package graph once instead
//! of once per binary and links the binaries in parallel (each binary is the same bytes as from
//! its own `go build`). The binaries are then renamed to where each job wants them. When a shared
//! build fails, its jobs run again one by one, so every failure names its own target and
//! reproduce command.
//!
//! Why a file of its own: this is the only place where the engine runs children concurrently;
//! what the jobs are is decided in [`super::plan`], what happens to their output in
//! [`super::package`].

use std::path::{Path, PathBuf};
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

/// What one child runs: the indexes of its jobs and, for several Go jobs, the shared build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    pub jobs: Vec<usize>,
    /// The shared `go build` and the file name each job's binary gets in its output directory.
    shared: Option<(Invocation, Vec<String>)>,
}

/// Gather the jobs into units of at most `max_group` jobs, biggest first (a stable sort, so
/// otherwise in job order). Go jobs share a unit when they have no hooks, the same program,
/// directory and environment, and the same arguments but for `-o` and the main package, whose
/// binary names `go build -o DIR/` can derive.
pub(crate) fn units(jobs: &[Prepared], max_group: usize) -> Vec<Unit> {
    let mut groups: Vec<(Option<Invocation>, Vec<usize>, Vec<String>)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let Some((key, name)) = shareable(job) else {
            groups.push((None, vec![i], Vec::new()));
            continue;
        };
        let fits = |(k, members, names): &&mut (Option<Invocation>, Vec<usize>, Vec<String>)| {
            k.as_ref() == Some(&key) && members.len() < max_group && !names.contains(&name)
        };
        match groups.iter_mut().find(|g| fits(g)) {
            Some((_, members, names)) => {
                members.push(i);
                names.push(name);
            }
            None => groups.push((Some(key), vec![i], vec![name])),
        }
    }
    let mut units: Vec<Unit> = groups
        .into_iter()
        .map(|(key, members, names)| match key {
            Some(mut inv) if members.len() > 1 => {
                // The key has a placeholder for -o (set per run) and for the main packages.
                inv.args.pop();
                inv.args
                    .extend(members.iter().map(|&i| jobs[i].go_main.clone().unwrap()));
                Unit {
                    jobs: members,
                    shared: Some((inv, names)),
                }
            }
            _ => Unit {
                jobs: members,
                shared: None,
            },
        })
        .collect();
    units.sort_by_key(|u| std::cmp::Reverse(u.jobs.len()));
    units
}

/// For a Go job that can share its `go build`: the invocation with `-o` and the main package
/// replaced by placeholders (equal for jobs that can share), and the file name `go build -o DIR/`
/// gives its binary (the main package's last path element, `.exe` for windows).
fn shareable(job: &Prepared) -> Option<(Invocation, String)> {
    let main = job.go_main.as_deref()?;
    if !job.before.is_empty() || !job.after.is_empty() || job.copy_from.is_some() {
        return None;
    }
    let inv = &job.main;
    if inv.args.last().map(String::as_str) != Some(main) {
        return None;
    }
    let out = job.out.display().to_string();
    let o = inv
        .args
        .windows(2)
        .position(|w| w[0] == "-o" && w[1] == out)?;
    // A directory the go command names the binary after: not ".", a file list or a pattern, and
    // not a major-version suffix (`.../v2` is named after the element before it).
    let elem = main.trim_end_matches('/').rsplit('/').next()?;
    let major_suffix =
        elem.len() > 1 && elem.starts_with('v') && elem[1..].bytes().all(|b| b.is_ascii_digit());
    if elem.is_empty()
        || elem.starts_with('.')
        || main.ends_with(".go")
        || main.contains("...")
        || major_suffix
    {
        return None;
    }
    let mut key = inv.clone();
    key.args[o + 1] = String::new();
    *key.args.last_mut().expect("checked") = String::new();
    let exe = if inv.env.get("GOOS").map(String::as_str) == Some("windows") {
        ".exe"
    } else {
        ""
    };
    Some((key, format!("{elem}{exe}")))
}

/// Run the units on `workers` threads; all are attempted unless `fail_fast`. One result per job.
pub(crate) fn run_jobs(
    jobs: &[Prepared],
    units: &[Unit],
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
    let record = |i: usize, r: JobResult| {
        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
    };
    std::thread::scope(|s| {
        // No more workers than units: a worker without one would start only to stop.
        for _ in 0..workers.min(units.len()) {
            s.spawn(|| loop {
                let u = next.fetch_add(1, Ordering::SeqCst);
                let Some(unit) = units.get(u) else { break };
                if stop.load(Ordering::SeqCst) {
                    for &i in &unit.jobs {
                        on(BuildEvent::Skipped {
                            build: jobs[i].build.clone(),
                            target: jobs[i].target.name.clone(),
                        });
                        record(i, JobResult::Skipped);
                    }
                    continue;
                }
                for &i in &unit.jobs {
                    on(BuildEvent::Started {
                        build: jobs[i].build.clone(),
                        target: jobs[i].target.name.clone(),
                    });
                }
                let started = Instant::now();
                let ran = run_unit(jobs, unit, stage, dist, u);
                let elapsed = started.elapsed();
                for (i, r) in ran {
                    let job = &jobs[i];
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
                    record(i, result);
                }
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

/// Run one unit: its shared build and the renames, or (alone, or after a failed shared build)
/// each job on its own. The result of each of its jobs, in the unit's order.
fn run_unit(
    jobs: &[Prepared],
    unit: &Unit,
    stage: &Path,
    dist: &Path,
    index: usize,
) -> Vec<(usize, Result<u64, TargetFailure>)> {
    if let Some((inv, names)) = &unit.shared {
        let dir = stage.join(format!(".shared-build-{index}"));
        if let Some(sizes) = run_shared(jobs, unit, inv, names, &dir) {
            return unit
                .jobs
                .iter()
                .copied()
                .zip(sizes.into_iter().map(Ok))
                .collect();
        }
        tracing::debug!(
            jobs = unit.jobs.len(),
            "the shared go build failed; building its binaries one by one"
        );
    }
    unit.jobs
        .iter()
        .map(|&i| (i, run_job(&jobs[i], stage, dist)))
        .collect()
}

/// The shared `go build` into `dir`, then each binary renamed to its job's `out`: the sizes, or
/// `None` when anything failed (the caller then builds job by job).
fn run_shared(
    jobs: &[Prepared],
    unit: &Unit,
    inv: &Invocation,
    names: &[String],
    dir: &Path,
) -> Option<Vec<u64>> {
    let mut inv = inv.clone();
    let o = inv.args.iter().position(|a| a == "-o")?;
    // A trailing separator: the go command writes one executable per main package into it.
    inv.args[o + 1] = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
    let moved = std::fs::create_dir_all(dir).ok().and_then(|_| {
        if !inv.run().success {
            return None;
        }
        let mut sizes = Vec::new();
        for (&i, name) in unit.jobs.iter().zip(names) {
            let out = &jobs[i].out;
            let from: PathBuf = dir.join(name);
            out.parent().map(std::fs::create_dir_all)?.ok()?;
            std::fs::rename(&from, out).ok()?;
            sizes.push(std::fs::metadata(out).ok()?.len());
        }
        Some(sizes)
    });
    let _ = std::fs::remove_dir_all(dir);
    moved
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::Target;

    fn go_job(build: &str, main: &str, target: &str) -> Prepared {
        let t = Target::parse(target).unwrap();
        let exe = if t.os == "windows" { ".exe" } else { "" };
        let out = PathBuf::from(format!("/s/{build}_{}/{build}{exe}", t.platform()));
        Prepared {
            build: build.into(),
            binary: format!("{build}{exe}"),
            main: Invocation {
                program: "/go/bin/go".into(),
                args: [
                    "build",
                    "-trimpath",
                    "-o",
                    &out.display().to_string(),
                    "-ldflags",
                    "-s -w",
                    main,
                ]
                .map(String::from)
                .to_vec(),
                env: [("GOOS", t.os.as_str()), ("GOARCH", t.arch.as_str())]
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .into(),
                env_remove: vec![],
                dir: PathBuf::from("/src"),
            },
            target: t,
            out,
            before: vec![],
            after: vec![],
            copy_from: None,
            go_main: Some(main.into()),
        }
    }

    /// [`go_job`]s from `build main target` triples, `;`-separated.
    fn go_jobs(specs: &str) -> Vec<Prepared> {
        specs
            .split(';')
            .map(
                |spec| match spec.split_whitespace().collect::<Vec<_>>()[..] {
                    [build, main, target] => go_job(build, main, target),
                    _ => panic!("not `build main target`: {spec:?}"),
                },
            )
            .collect()
    }

    fn shared_args(u: &Unit) -> Option<Vec<String>> {
        u.shared.as_ref().map(|(inv, _)| inv.args.clone())
    }

    #[test]
    fn go_jobs_of_one_target_share_one_build_biggest_unit_first() {
        let jobs = go_jobs(
            "a ./cmd/a linux/amd64; a ./cmd/a windows/amd64; b ./cmd/b linux/amd64; \
             b ./cmd/b windows/amd64; c ./cmd/c/ linux/amd64",
        );
        let u = units(&jobs, usize::MAX);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].jobs, [0, 2, 4]);
        assert_eq!(u[1].jobs, [1, 3]);
        assert_eq!(
            shared_args(&u[0]).unwrap(),
            [
                "build",
                "-trimpath",
                "-o",
                "",
                "-ldflags",
                "-s -w",
                "./cmd/a",
                "./cmd/b",
                "./cmd/c/"
            ]
        );
        assert_eq!(u[0].shared.as_ref().unwrap().1, ["a", "b", "c"]);
        assert_eq!(u[1].shared.as_ref().unwrap().1, ["a.exe", "b.exe"]);
        // Memory allows two links per child: the third binary gets a unit of its own.
        let u = units(&jobs, 2);
        assert_eq!(
            u.iter().map(|u| u.jobs.clone()).collect::<Vec<_>>(),
            [vec![0, 2], vec![1, 3], vec![4]]
        );
        assert_eq!(shared_args(&u[2]), None);
    }

    #[test]
    fn jobs_that_cannot_share_run_alone() {
        let mut hooked = go_job("h", "./cmd/h", "linux/amd64");
        hooked.before.push(hooked.main.clone());
        let mut flags = go_job("f", "./cmd/f", "linux/amd64");
        flags.main.args.insert(1, "-race".into());
        let mut env = go_job("e", "./cmd/e", "linux/amd64");
        env.main.env.insert("CGO_ENABLED".into(), "1".into());
        let mut jobs = vec![go_job("a", "./cmd/a", "linux/amd64"), hooked, flags, env];
        // Binary names go cannot derive, or that collide in one directory.
        jobs.extend(go_jobs(
            "root . linux/amd64; v2 ./cmd/x/v2 linux/amd64; pattern ./cmd/... linux/amd64; \
             file main.go linux/amd64; a2 ./other/a linux/amd64; b ./cmd/b linux/arm64",
        ));
        let u = units(&jobs, usize::MAX);
        assert_eq!(u.len(), jobs.len());
        assert!(u.iter().all(|u| u.shared.is_none() && u.jobs.len() == 1));
        // Not Go (cargo, command): never shared.
        let mut cargo = go_job("c", "./cmd/c", "linux/amd64");
        cargo.go_main = None;
        let u = units(&[go_job("a", "./cmd/a", "linux/amd64"), cargo], usize::MAX);
        assert_eq!(u.len(), 2);
    }
}
