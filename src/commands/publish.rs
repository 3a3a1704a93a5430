//! `tug publish`: load the release from dist/, pick the publishers, run the publish engine and
//! print its events (status lines and byte bars on stderr, locations or JSON events on stdout).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;

use super::Context;
use crate::cli::publish::PublishArgs;
use crate::config::publish::{OciPublisher, PublisherConfig, RetryConfig};
use crate::config::settings::{Overrides, Settings};
use crate::error::{Error, ExitCode};
use crate::publish::{self, Event, ItemOutcome, Options, PublishError, Release};

pub fn run(ctx: &Context, args: PublishArgs) -> anyhow::Result<ExitCode> {
    let settings = ctx.load_settings(Overrides::default())?;
    run_with(ctx, &settings, args)
}

/// `tug publish` with settings already resolved (by `run`, or once for all stages by
/// `tug release`).
pub(crate) fn run_with(
    ctx: &Context,
    settings: &Settings,
    args: PublishArgs,
) -> anyhow::Result<ExitCode> {
    let config = &settings.config;
    let root = settings.root.clone();
    let dist = settings.dist.clone();
    let release = Release::load(&dist).map_err(|e| Error::from(PublishError::from(e)))?;

    let mut publishers = if config.publish.is_empty() {
        PublisherConfig::defaults()
    } else {
        config.publish.clone()
    };
    if !args.only.is_empty() {
        for name in &args.only {
            if !publishers.iter().any(|p| p.name() == name) {
                let names: Vec<&str> = publishers.iter().map(|p| p.name()).collect();
                return Err(
                    Error::usage(format!("--only {name}: no publisher has that name"))
                        .with_hint(format!("configured publishers: {}", names.join(", ")))
                        .into(),
                );
            }
        }
        publishers.retain(|p| args.only.iter().any(|n| n == p.name()));
    }

    if let Some(dir) = &args.oci_layout {
        return write_layout(ctx, &release, &publishers, &ctx.cwd.join(dir));
    }

    let options = Options {
        dry_run: args.dry_run,
        replace: args.replace,
        root: root.clone(),
        env: ctx.env.clone(),
    };
    let printer = ctx.printer.clone();
    let bars: Arc<Mutex<HashMap<String, ProgressBar>>> = Arc::default();
    let total: u64 = release.manifest.artifacts.iter().map(|a| a.size).sum();
    let sink: publish::Sink = Arc::new(move |event| on_event(&printer, &bars, total, event));
    let results = publish::publish(&release, &publishers, &options, sink).map_err(Error::from)?;
    for (name, summary) in &results {
        for location in &summary.locations {
            ctx.printer.data(format!("{name}\t{location}"));
        }
    }
    Ok(ExitCode::Success)
}

/// Advance a publisher's overall bar (its length grows if images or notes add bytes).
fn advance_overall(bars: &HashMap<String, ProgressBar>, publisher: &str, bytes: u64) {
    if let Some(bar) = bars.get(&format!("{publisher}\0")) {
        bar.inc(bytes);
        if bar.position() > bar.length().unwrap_or(0) {
            bar.set_length(bar.position());
        }
    }
}

/// Print one engine event. Bars: one per upload, keyed `publisher\0item`, and one overall bar
/// per publisher, keyed `publisher\0`.
fn on_event(
    printer: &crate::ui::Printer,
    bars: &Mutex<HashMap<String, ProgressBar>>,
    total: u64,
    event: Event,
) {
    let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
    match event {
        Event::PublisherStarted {
            publisher,
            kind,
            target,
        } => {
            printer.status("Publishing", format!("{publisher} ({kind}) to {target}"));
            let overall = printer.bytes_bar(total, format!("{publisher} (all)"));
            bars.insert(format!("{publisher}\0"), overall);
            printer.event(
                "publisher-started",
                serde_json::json!({ "publisher": publisher, "type": kind, "target": target }),
            );
        }
        Event::UploadStarted {
            publisher,
            item,
            size,
        } => {
            let key = format!("{publisher}\0{item}");
            let bar = bars
                .entry(key)
                .or_insert_with(|| printer.bytes_bar(size, item.clone()));
            bar.set_position(0);
        }
        Event::UploadProgress {
            publisher,
            item,
            bytes,
        } => {
            if let Some(bar) = bars.get(&format!("{publisher}\0{item}")) {
                bar.inc(bytes);
            }
            advance_overall(&bars, &publisher, bytes);
        }
        Event::ItemDone {
            publisher,
            item,
            outcome,
            size,
        } => {
            if let Some(bar) = bars.remove(&format!("{publisher}\0{item}")) {
                bar.finish_and_clear();
            }
            if outcome != ItemOutcome::Uploaded {
                advance_overall(&bars, &publisher, size);
            }
            let verb = match outcome {
                ItemOutcome::Uploaded => "Uploaded",
                ItemOutcome::AlreadyPublished => "Unchanged",
                ItemOutcome::WouldUpload => "Would upload",
            };
            let note = if outcome == ItemOutcome::AlreadyPublished {
                " (already published)"
            } else {
                ""
            };
            printer.status(
                verb,
                format!("{publisher}: {item} ({}){note}", human_bytes(size)),
            );
            printer.event(
                "item",
                serde_json::json!({ "publisher": publisher, "item": item, "outcome": outcome, "size": size }),
            );
        }
        Event::Retrying {
            publisher,
            what,
            attempt,
            delay,
            reason,
        } => {
            printer.warn(format!(
                "{what}: attempt {attempt} failed ({reason}); retrying in {}",
                humantime::format_duration(std::time::Duration::from_millis(
                    delay.as_millis() as u64
                ))
            ));
            printer.event(
                "retry",
                serde_json::json!({ "publisher": publisher, "what": what, "attempt": attempt,
                                    "delay_ms": delay.as_millis() as u64, "reason": reason }),
            );
        }
        Event::PublisherDone { publisher, summary } => {
            if let Some(bar) = bars.remove(&format!("{publisher}\0")) {
                bar.finish_and_clear();
            }
            let mut parts = vec![format!(
                "{} uploaded ({})",
                summary.uploaded,
                human_bytes(summary.uploaded_bytes)
            )];
            parts.push(format!("{} already published", summary.already_published));
            if summary.would_upload > 0 {
                parts.push(format!("{} would be uploaded", summary.would_upload));
            }
            printer.status("Published", format!("{publisher}: {}", parts.join(", ")));
            printer.event(
                "publisher-done",
                serde_json::json!({ "publisher": publisher, "summary": summary }),
            );
        }
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `--oci-layout DIR`: the oci publishers' plans (or the release alone, as `<project>:<version>`)
/// written as an OCI image layout.
fn write_layout(
    ctx: &Context,
    release: &Release,
    publishers: &[PublisherConfig],
    dir: &Path,
) -> anyhow::Result<ExitCode> {
    let vars =
        publish::template::Vars::for_release(&release.manifest, &ctx.env).map_err(Error::from)?;
    let mut ocis: Vec<(String, OciPublisher)> = publishers
        .iter()
        .filter_map(|p| match p {
            PublisherConfig::Oci(o) => Some((p.name().to_string(), o.clone())),
            _ => None,
        })
        .collect();
    if ocis.is_empty() {
        ocis.push((
            "oci-layout".into(),
            OciPublisher {
                name: None,
                repository: format!("localhost/{}", release.manifest.project),
                tags: vec!["{{ version }}".into()],
                insecure: false,
                images: None,
                chunk_size: 16 << 20,
                concurrency: 1,
                retry: RetryConfig::default(),
            },
        ));
    }
    let mut plans = Vec::new();
    for (name, oci) in &ocis {
        plans.push(publish::oci::plan(release, oci, &vars, name, None).map_err(Error::from)?);
    }
    let refs = publish::oci::write_layout(&plans, dir).map_err(Error::from)?;
    for r in &refs {
        ctx.printer
            .status("Wrote", format!("oci:{}:{r}", dir.display()));
        ctx.printer.data(format!("oci:{}:{r}", dir.display()));
        ctx.printer
            .event("oci-layout", serde_json::json!({ "dir": dir, "ref": r }));
    }
    Ok(ExitCode::Success)
}
