//! `tug rollout ENV` and `tug rollout promote|pause|resume|abort ENV`: print what the deploy engine
//! does and map its outcome to the documented exit codes (4 rolled back, 5 locked, 6 paused).
//! At a terminal, a rollout that meets an interrupted one (its process was killed) offers to
//! resume it or roll it back. Also holds the helpers the other deploy commands share (loading the
//! environment, progress).

use std::io::{BufRead, IsTerminal};

use super::Context;
use crate::cli::rollout::{RolloutAction, RolloutArgs};
use crate::config::notify::WebhookConfig;
use crate::config::settings::{Overrides, Settings};
use crate::deploy::engine::{Continuation, RolloutOutcome};
use crate::deploy::hoststate::{PlanStep, RolloutStatus};
use crate::deploy::{verify, Actor, DeployError, Deployer, Environment, Event};
use crate::error::{Error, ExitCode};
use crate::notify::{Notifier, Webhook};
use crate::ui::Printer;

/// Load the resolved settings (tug.yaml is required here: environments live in it) and build
/// environment `name`; tug.yaml is validated as a whole, with located errors.
pub fn load_env(ctx: &Context, name: &str) -> anyhow::Result<Environment> {
    Ok(load_env_and_hooks(ctx, name)?.0)
}

/// The webhooks of an environment as tug.yaml names them: its own `notify:` list, else the
/// top-level one (`notify`, or `environments.NAME.notify`, and the list).
pub struct Hooks {
    pub field: String,
    pub list: Vec<WebhookConfig>,
}

/// [`load_env`], with the environment's webhooks.
pub fn load_env_and_hooks(ctx: &Context, name: &str) -> anyhow::Result<(Environment, Hooks)> {
    let settings = Settings::load(&ctx.global, &ctx.cwd, &ctx.env, Overrides::default())?;
    for warning in &settings.warnings {
        ctx.printer.warn(warning);
    }
    let Some(path) = settings.config_path.as_ref() else {
        return Err(
            Error::usage("no tug.yaml found here or in any parent directory")
                .with_hint(
                    "environments are defined in tug.yaml: run `tug init`, or pass --config PATH",
                )
                .into(),
        );
    };
    let Some(env_cfg) = settings.config.environments.get(name).cloned() else {
        let known: Vec<&str> = settings
            .config
            .environments
            .keys()
            .map(String::as_str)
            .collect();
        return Err(
            Error::usage(format!("no environment {name:?} in {}", path.display()))
                .with_hint(if known.is_empty() {
                    "add one under environments:".to_string()
                } else {
                    format!("known environments: {}", known.join(", "))
                })
                .into(),
        );
    };
    let temp_dir = ctx
        .env
        .path("TMPDIR")
        .unwrap_or_else(|| std::path::PathBuf::from("/tmp"));
    let hooks = match &env_cfg.notify {
        Some(own) => Hooks {
            field: format!("environments.{name}.notify"),
            list: own.clone(),
        },
        None => Hooks {
            field: "notify".into(),
            list: settings.config.notify.clone(),
        },
    };
    let env = Environment::new(name, env_cfg, &settings.root, &temp_dir)
        .map_err(|e| Error::from(e.in_env(name)))?;
    Ok((env, hooks))
}

/// Start delivering the notifications of `hooks` (relative `file://` references start at
/// tug.yaml's directory, `base`). A webhook that cannot be resolved is an error (exit 2) unless
/// `lenient` (a rollback is never held up by a notification: it gets a warning).
pub fn notifier(
    ctx: &Context,
    hooks: &Hooks,
    base: &std::path::Path,
    lenient: bool,
) -> anyhow::Result<Notifier> {
    let mut resolved = Vec::new();
    for (i, cfg) in hooks.list.iter().enumerate() {
        match Webhook::resolve(cfg, &hooks.field, i, base, &ctx.env) {
            Ok(w) => resolved.push(w),
            Err(e) if lenient => ctx.printer.warn(format!(
                "{e}: {}; not notified",
                crate::error::Diagnostic::hint(&e).unwrap_or_default()
            )),
            Err(e) => return Err(Error::from(e).into()),
        }
    }
    Ok(Notifier::start(resolved))
}

/// Wait (at most the grace time) for the notifications still queued, and warn about those not
/// delivered; the exit code stays the command's.
pub fn finish_notifications(ctx: &Context, notifier: &Notifier) {
    if notifier.is_empty() {
        return;
    }
    for report in notifier.finish() {
        ctx.printer
            .event("notify", serde_json::to_value(&report).unwrap_or_default());
        if let Some(w) = report.warning() {
            ctx.printer.warn(w);
        }
    }
}

/// The deploy engine for the environment `env` (with its webhooks), its progress shown by the
/// printer and its rollout events handed to `notifier`.
pub fn notifying_deployer<'a>(
    ctx: &'a Context,
    env: Environment,
    notifier: &'a Notifier,
) -> Deployer<'a> {
    let show = progress(&ctx.printer);
    Deployer::new(
        env,
        Actor::current(&ctx.env),
        ctx.env.vars().clone(),
        move |ev: Event| {
            if let Event::Rollout(r) = &ev {
                notifier.send(r);
            }
            show(ev)
        },
    )
}

/// The deploy engine for environment `name`: this run's actor and environment variables, its
/// progress shown by the printer. The one setup every deploy command shares.
pub fn deployer<'a>(ctx: &'a Context, name: &str) -> anyhow::Result<Deployer<'a>> {
    let env = load_env(ctx, name)?;
    Ok(Deployer::new(
        env,
        Actor::current(&ctx.env),
        ctx.env.vars().clone(),
        progress(&ctx.printer),
    ))
}

/// An engine error in environment `env`, with its exit code, hint and causes.
pub fn deploy_error(err: DeployError, env: &str) -> anyhow::Error {
    Error::from(err.in_env(env)).into()
}

/// The progress callback: status lines on stderr, events in --json mode (a rollout event is its
/// own `rollout` event; its milestones are already shown by the phase lines).
pub fn progress(printer: &Printer) -> impl Fn(Event) + Sync + '_ {
    move |ev: Event| {
        if let Event::Rollout(r) = &ev {
            printer.event("rollout", serde_json::to_value(r).unwrap_or_default());
            return;
        }
        printer.event("progress", serde_json::to_value(&ev).unwrap_or_default());
        match ev {
            Event::Phase { message } => printer.status("Deploy", message),
            Event::Host { host, message } => printer.status(&host, message),
            Event::Warning { message } => printer.warn(message),
            Event::Rollout(_) => {}
        }
    }
}

fn describe(step: &PlanStep) -> String {
    match step {
        PlanStep::Deploy(h) => format!("switch {}", h.join(", ")),
        PlanStep::Pause(p) if p == "manual" => "pause until `tug rollout promote`".into(),
        PlanStep::Pause(p) => format!("pause {p}"),
        PlanStep::Analysis(a) => format!("analysis {a}"),
        PlanStep::Prepare(h) => format!(
            "prepare the idle slot (restart, health check) on {}",
            h.join(", ")
        ),
        PlanStep::Switch(h) => format!("switch {} to the prepared slot", h.join(", ")),
        PlanStep::Traffic(p) => format!("traffic {p}% of requests to the new release"),
    }
}

/// The plan's steps as lines; with a router, what each step asks of it (the weights a traffic
/// step sets, with every server at weight 1 before the rollout).
fn plan_lines(
    steps: &[PlanStep],
    hosts: usize,
    router: Option<&crate::deploy::traffic::Router>,
) -> Vec<String> {
    let mut switched = 0;
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let mut line = format!("  {}. {}", i + 1, describe(s));
        match (s, router) {
            (PlanStep::Deploy(h), Some(_)) => {
                switched += h.len();
                line += " (weight 0 while switching, then the step's share)";
            }
            (PlanStep::Deploy(h), None) => switched += h.len(),
            (PlanStep::Traffic(p), Some(_)) => {
                let (wn, wo) = crate::deploy::traffic::weights::split(
                    *p,
                    switched,
                    hosts - switched.min(hosts),
                    1,
                );
                line += &format!(
                    " (weight {wn} on each of {switched} new, {wo} on each of {} old)",
                    hosts - switched.min(hosts)
                );
            }
            (PlanStep::Switch(_), Some(_)) => {
                line += " (traffic first: the router moves every host to the prepared slot in one change, the old slot stays warm at weight 0)";
            }
            _ => {}
        }
        out.push(line);
    }
    if let Some(r) = router {
        out.push(format!("  router: {}", r.label()));
        if let Some(h) = r.header() {
            out.push(format!(
                "  header route: requests with `{h}` reach the new release during the rollout"
            ));
        }
        out.push(
            "  on failure: the new release's weight goes to 0 at once (and the header route), then the hosts switch back"
                .into(),
        );
    }
    out
}

/// Print the outcome and choose the exit code.
pub fn report(ctx: &Context, env: &str, outcome: RolloutOutcome) -> anyhow::Result<ExitCode> {
    let p = &ctx.printer;
    p.event(
        "outcome",
        serde_json::to_value(&outcome).unwrap_or_default(),
    );
    Ok(match outcome {
        RolloutOutcome::Completed { version, hosts } => {
            p.status(
                "Finished",
                format!("{version} rolled out to {} host(s)", hosts.len()),
            );
            ExitCode::Success
        }
        RolloutOutcome::NothingToDo { version } => {
            p.status("Finished", format!("every host already runs {version}"));
            ExitCode::Success
        }
        RolloutOutcome::Paused { version, reason } => {
            p.warn(format!("rollout of {version} paused: {reason}"));
            p.info(format!(
                "hint: continue with `tug rollout promote {env}`, or roll back with `tug rollout abort {env}`"
            ));
            ExitCode::Paused
        }
        RolloutOutcome::RolledBack {
            version,
            reason,
            reverted,
            kept,
        } => {
            p.error(
                &format!("rollout of {version} failed and was rolled back"),
                &[reason],
                Some(&format!("see `tug history {env}`")),
            );
            p.info(format!(
                "reverted: {}",
                if reverted.is_empty() {
                    "none".into()
                } else {
                    reverted.join(", ")
                }
            ));
            if !kept.is_empty() {
                p.warn(format!(
                    "kept on {version} (canary-only rollback): {}",
                    kept.join(", ")
                ));
            }
            ExitCode::RolledBack
        }
        RolloutOutcome::Aborted { version, reverted } => {
            p.status(
                "Aborted",
                if reverted.is_empty() {
                    format!("rollout of {version}; no host needed switching back")
                } else {
                    format!("rollout of {version}; reverted {}", reverted.join(", "))
                },
            );
            ExitCode::Success
        }
    })
}

pub fn run(ctx: &Context, args: RolloutArgs) -> anyhow::Result<ExitCode> {
    let env_name = match &args.action {
        Some(RolloutAction::Promote(t) | RolloutAction::Resume(t) | RolloutAction::Pause(t)) => {
            t.env.clone()
        }
        Some(RolloutAction::Abort(a)) => a.env.clone(),
        None => args.env.clone().expect("clap requires ENV"),
    };
    let (env, hooks) = load_env_and_hooks(ctx, &env_name)?;
    let base = env.base_dir().to_path_buf();
    // Only a new rollout is refused for a webhook that cannot be resolved: continuing, pausing
    // or aborting one is never held up by a notification (a warning instead).
    let lenient = args.action.is_some();
    let notifier = notifier(ctx, &hooks, &base, lenient)?;
    let d = notifying_deployer(ctx, env, &notifier);
    let result = run_with(ctx, args, d, env_name);
    finish_notifications(ctx, &notifier);
    result
}

fn run_with(
    ctx: &Context,
    args: RolloutArgs,
    d: Deployer,
    env_name: String,
) -> anyhow::Result<ExitCode> {
    if let Some(action) = args.action {
        let (how, reason) = match action {
            RolloutAction::Promote(_) => (Some(Continuation::Promote), None),
            RolloutAction::Resume(_) => (Some(Continuation::Resume), None),
            RolloutAction::Abort(t) => (Some(Continuation::Abort), t.reason),
            RolloutAction::Pause(_) => (None, None),
        };
        return match how {
            Some(how) => report(
                ctx,
                &env_name,
                d.continue_rollout(how, reason.as_deref())
                    .map_err(|e| deploy_error(e, &env_name))?,
            ),
            None => {
                let st = d.request_pause().map_err(|e| deploy_error(e, &env_name))?;
                ctx.printer.status(
                    "Pausing",
                    format!("rollout of {} will pause at its next step", st.version),
                );
                Ok(ExitCode::Success)
            }
        };
    }
    let env = &d.env;
    let source = args
        .from
        .map(|f| ctx.cwd.join(f))
        .or_else(|| env.source_dir())
        .unwrap_or_else(|| {
            ctx.cwd
                .join(ctx.global.dist.clone().unwrap_or_else(|| "dist".into()))
        });
    let dir =
        verify::locate(&source, args.version.as_deref()).map_err(|e| verify_error(e, &env_name))?;
    let pem = env
        .public_key_pem()
        .map_err(|e| deploy_error(e, &env_name))?;
    let release = verify::load(
        &dir,
        args.version.as_deref(),
        env.config.artifact.as_deref(),
        pem.as_deref(),
        args.insecure_skip_verify,
    )
    .map_err(|e| verify_error(e, &env_name))?;
    let mut release = release;
    if env.config.require_provenance {
        // The same tug.yaml `load_env` read (its warnings were shown there).
        let policy = Settings::load(&ctx.global, &ctx.cwd, &ctx.env, Overrides::default())?
            .config
            .policy
            .unwrap_or_default();
        release.provenance = Some(
            verify::ProvenanceRequirement::new(pem.as_deref(), policy)
                .map_err(|e| verify_error(e, &env_name))?,
        );
    }
    if release.insecure_skip_verify {
        ctx.printer.warn(format!(
            "not verifying the signature of {} (--insecure-skip-verify)",
            release.artifact
        ));
    } else {
        ctx.printer.status(
            "Verified",
            format!(
                "{} {} (sha256 and signature)",
                release.artifact, release.version
            ),
        );
    }
    if args.dry_run {
        let (plan, _) = d.plan(&release).map_err(|e| deploy_error(e, &env_name))?;
        ctx.printer
            .event("plan", serde_json::to_value(&plan).unwrap_or_default());
        ctx.printer
            .data(format!("plan: {} to {env_name}", plan.version));
        for line in plan_lines(&plan.steps, d.env.hosts.len(), d.env.router.as_ref()) {
            ctx.printer.data(line);
        }
        if plan.steps.is_empty() {
            ctx.printer.data("  (nothing to do: every host runs it)");
        }
        ctx.printer.data("preflight:");
        for h in &plan.hosts {
            let state = if h.problems.is_empty() {
                "ok".to_string()
            } else {
                h.problems.join("; ")
            };
            ctx.printer.data(format!(
                "  {}: current {}, {}, {state}",
                h.host,
                h.current.as_deref().unwrap_or("no release yet"),
                if h.upload {
                    "upload"
                } else {
                    "already uploaded"
                }
            ));
        }
        if let Some(b) = &plan.bad {
            ctx.printer.data(format!(
                "marked bad: {} (on {}, by {} at {}): {}{}",
                plan.version,
                b.host,
                b.mark.actor,
                b.mark.time,
                b.mark.reason,
                if args.force {
                    "; --force rolls it out anyway"
                } else {
                    ""
                }
            ));
        }
        let problems = plan.problems();
        if !problems.is_empty() {
            return Err(deploy_error(DeployError::Preflight(problems), &env_name));
        }
        if let (Some(b), false) = (plan.bad, args.force) {
            return Err(deploy_error(
                DeployError::MarkedBad {
                    version: plan.version,
                    host: b.host,
                    mark: b.mark,
                },
                &env_name,
            ));
        }
        return Ok(ExitCode::Success);
    }
    let outcome = match d.rollout(&release, args.force) {
        Err(DeployError::Unfinished { state, interrupted })
            if interrupted && state.status != RolloutStatus::Paused && can_ask(ctx) =>
        {
            return offer_recovery(
                ctx,
                &d,
                &env_name,
                DeployError::Unfinished { state, interrupted },
                &release.version,
            );
        }
        other => other.map_err(|e| deploy_error(e, &env_name))?,
    };
    report(ctx, &env_name, outcome)
}

/// A person can answer a question: stdin and stderr are terminals, and neither `--yes`, `--json`
/// nor `--quiet` asks tug not to.
fn can_ask(ctx: &Context) -> bool {
    let g = &ctx.global;
    !g.yes
        && !g.json
        && !g.quiet
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}

/// What to do with an interrupted rollout, as asked at the terminal.
fn ask_recovery(ctx: &Context) -> anyhow::Result<Option<Continuation>> {
    let stdin = std::io::stdin();
    loop {
        ctx.printer.info(
            "[r]esume it, [a]bort it (switch back every host it changed), or [q]uit? [r/a/q]",
        );
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "r" | "resume" => return Ok(Some(Continuation::Resume)),
            "a" | "abort" => return Ok(Some(Continuation::Abort)),
            "q" | "quit" | "" => return Ok(None),
            other => ctx
                .printer
                .info(format!("{other:?} is not an answer: type r, a or q")),
        }
    }
}

/// `err` is an interrupted rollout: ask whether to resume or abort it, then do it exactly as
/// `tug rollout resume|abort ENV` would. `requested` (the release this command was asked to
/// roll out) is not started: the recovery's outcome is the result.
fn offer_recovery(
    ctx: &Context,
    d: &Deployer,
    env: &str,
    err: DeployError,
    requested: &str,
) -> anyhow::Result<ExitCode> {
    let DeployError::Unfinished { state, .. } = &err else {
        return Err(deploy_error(err, env));
    };
    let version = state.version.clone();
    ctx.printer.warn(err.to_string());
    let Some(how) = ask_recovery(ctx)? else {
        let mut quit = Error::new(
            err.exit_code(),
            format!("the interrupted rollout of {version} is still on the hosts; nothing changed"),
        );
        if let Some(hint) = err.hint(env) {
            quit = quit.with_hint(hint);
        }
        return Err(quit.into());
    };
    let verb = if how == Continuation::Resume {
        "Resuming"
    } else {
        "Aborting"
    };
    ctx.printer
        .status(verb, format!("the interrupted rollout of {version}"));
    let code = report(
        ctx,
        env,
        d.continue_rollout(how, None)
            .map_err(|e| deploy_error(e, env))?,
    )?;
    if requested != version || how == Continuation::Abort {
        ctx.printer.info(format!(
            "the rollout of {requested} was not started: run `tug rollout {env}` again for it"
        ));
    }
    Ok(code)
}

fn verify_error(e: verify::VerifyError, env: &str) -> anyhow::Error {
    deploy_error(DeployError::Verify(e), env)
}
