//! The one place engine events become printer output: each engine reports progress through its
//! own event type (`build::BuildEvent`, `publish::Event`), and the reporters here turn them into
//! status lines, progress bars and `--json` events, so the commands only wire an engine to its
//! reporter and the engines never know about the terminal.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::ProgressBar;

use super::Printer;
use crate::build::{BuildEvent, BuildReport};
use crate::publish::{Event, ItemOutcome};

/// Renders engine events: one line per target (a spinner on a terminal, status lines otherwise),
/// and `--json` events.
pub struct BuildReporter {
    printer: Printer,
    bars: Mutex<HashMap<(String, String), ProgressBar>>,
}

impl BuildReporter {
    pub fn new(printer: Printer) -> Self {
        BuildReporter {
            printer,
            bars: Mutex::new(HashMap::new()),
        }
    }

    pub fn on(&self, e: BuildEvent) {
        let p = &self.printer;
        let bars = p.options().progress;
        match e {
            BuildEvent::Planned { jobs: 0, .. } => {
                p.status("Building", "the Go module's source release (no binaries)");
            }
            BuildEvent::Planned {
                targets,
                jobs,
                processes,
                parallelism,
            } => {
                p.status(
                    "Building",
                    format!(
                        "{jobs} {} for {} {} ({processes} compiler run{}, {parallelism} at a time)",
                        if jobs == 1 { "binary" } else { "binaries" },
                        targets.len(),
                        if targets.len() == 1 {
                            "target"
                        } else {
                            "targets"
                        },
                        if processes == 1 { "" } else { "s" }
                    ),
                );
                p.event("build-planned", serde_json::json!({ "targets": targets, "jobs": jobs, "processes": processes, "parallelism": parallelism }));
            }
            BuildEvent::Started { build, target } => {
                p.event(
                    "target-started",
                    serde_json::json!({ "build": build, "target": target }),
                );
                if bars {
                    let bar = p.spinner(format!("{target:<16} {build:<12} building"));
                    self.bars
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((build, target), bar);
                }
            }
            BuildEvent::Finished {
                build,
                target,
                elapsed,
                result,
            } => {
                let secs = fmt_secs(elapsed);
                p.event(
                    "target-finished",
                    serde_json::json!({
                        "build": build, "target": target, "ok": result.is_ok(),
                        "elapsed_ms": elapsed.as_millis(),
                        "size": result.as_ref().ok(), "error": result.as_ref().err(),
                    }),
                );
                let line = match &result {
                    Ok(size) => format!("{target:<16} {build:<12} {} in {secs}", fmt_size(*size)),
                    Err(status) => format!("{target:<16} {build:<12} {status} after {secs}"),
                };
                let bar = self
                    .bars
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&(build, target));
                let verb = if result.is_ok() { "built" } else { "FAILED" };
                match bar {
                    Some(bar) => bar.finish_with_message(format!("{line} {verb}")),
                    None if result.is_ok() => p.status("Built", line),
                    None => p.status("Failed", line),
                }
            }
            BuildEvent::Skipped { build, target } => {
                p.event(
                    "target-skipped",
                    serde_json::json!({ "build": build, "target": target }),
                );
                p.status("Skipped", format!("{target} ({build}): --fail-fast"));
            }
            BuildEvent::Packaging { archives } => {
                p.status(
                    "Packaging",
                    format!("{archives} archives, checksums, release notes, manifest"),
                );
            }
        }
    }
}

/// The table of built binaries after a build.
pub fn build_summary(printer: &Printer, report: &BuildReport) {
    for a in &report.manifest.artifacts {
        if crate::build::module::ModuleFile::of(a) == Some(crate::build::module::ModuleFile::Zip) {
            let get = |k: &str| a.extra.get(k).map(String::as_str).unwrap_or("");
            printer.status(
                "Module",
                format!(
                    "{}@{} {} ({})",
                    get("module"),
                    get("version"),
                    get("h1"),
                    a.name
                ),
            );
        }
    }
    if report.rows.is_empty() {
        return;
    }
    let mut lines = vec![format!(
        "{:<18} {:<12} {:>10} {:<14} {:>7}",
        "TARGET", "BUILD", "SIZE", "SHA256", "TIME"
    )];
    for r in &report.rows {
        lines.push(format!(
            "{:<18} {:<12} {:>10} {:<14} {:>7}",
            r.target,
            r.build,
            fmt_size(r.size),
            &r.sha256[..12],
            fmt_secs(Duration::from_millis(r.elapsed_ms as u64))
        ));
    }
    for l in lines {
        printer.info(l);
    }
}

fn fmt_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn fmt_secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
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

/// Renders publish engine events: status lines, byte bars (one per upload, keyed
/// `publisher\0item`, and one overall bar per publisher, keyed `publisher\0`) and `--json` events.
pub struct PublishReporter {
    printer: Printer,
    bars: Mutex<HashMap<String, ProgressBar>>,
    /// The release's bytes (each publisher's overall bar starts at this length).
    total: u64,
}

impl PublishReporter {
    pub fn new(printer: Printer, total: u64) -> Self {
        PublishReporter {
            printer,
            bars: Mutex::new(HashMap::new()),
            total,
        }
    }

    /// Print one engine event.
    pub fn on(&self, event: Event) {
        on_publish_event(&self.printer, &self.bars, self.total, event)
    }
}

fn on_publish_event(
    printer: &Printer,
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
        Event::WaitingForLock {
            publisher,
            lock,
            holder,
        } => {
            printer.status(
                "Waiting",
                format!(
                    "{publisher}: waiting for the lock on {}, {holder}",
                    lock.display()
                ),
            );
            printer.event(
                "lock-wait",
                serde_json::json!({ "publisher": publisher, "lock": lock, "holder": holder }),
            );
        }
        Event::GoproxyPlan { publisher, plan } => {
            for (verb, text) in plan.lines() {
                match verb {
                    Some(verb) => printer.status(verb, format!("{publisher}: {text}")),
                    None => printer.info(format!("{:>12}   {text}", "")),
                }
            }
            printer.event(
                "goproxy-plan",
                serde_json::json!({ "publisher": publisher, "plan": plan }),
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
