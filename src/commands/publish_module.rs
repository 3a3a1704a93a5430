//! `tug publish --promote VERSION` and `--withdraw VERSION`: the gray-release steps of a Go
//! module version on the `goproxy` publishers (list a staged version; delete one never listed).
//!
//! Why apart from `tug publish`: these act on a version already in the proxy, not on the dist:
//! the module path comes from go.mod, the version from the flag, and the dist (when it holds that
//! version) only gets its publish state updated.

use super::Context;
use crate::build::defaults::GoModule;
use crate::build::module::ModuleFile;
use crate::cli::publish::PublishArgs;
use crate::config::publish::PublisherConfig;
use crate::config::settings::Settings;
use crate::error::{Error, ExitCode};
use crate::publish::goproxy::{self, VersionState};
use crate::publish::{self, Options, PublishState, Release};
use crate::ui::reporters::PublishReporter;

pub(crate) fn run(
    ctx: &Context,
    settings: &Settings,
    args: &PublishArgs,
    version: &str,
    promote: bool,
) -> anyhow::Result<ExitCode> {
    let flag = if promote { "--promote" } else { "--withdraw" };
    let module = GoModule::detect(&settings.root)
        .map_err(Error::from)?
        .ok_or_else(|| {
            Error::usage(format!(
                "{flag} {version}: {} has no go.mod",
                settings.root.display()
            ))
            .with_hint("promote and withdraw act on a Go module's versions: run tug in the module's directory")
        })?
        .module;
    crate::gomod::zip::check_module_version(&module, version).map_err(|e| {
        Error::from(e).with_hint(format!(
            "{flag} takes the module version as the go command writes it, e.g. v1.2.3"
        ))
    })?;
    let publishers: Vec<(&str, &crate::config::publish::GoproxyPublisher)> = settings
        .config
        .publish
        .iter()
        .filter_map(|p| match p {
            PublisherConfig::Goproxy(g) => Some((p.name(), g)),
            _ => None,
        })
        .filter(|(name, _)| args.only.is_empty() || args.only.iter().any(|o| o == name))
        .collect();
    if publishers.is_empty() {
        return Err(Error::usage(format!(
            "{flag} {version}: no goproxy publisher{} in tug.yaml",
            if args.only.is_empty() {
                ""
            } else {
                " selected by --only"
            }
        ))
        .with_hint("add `- type: goproxy` with `path:` or `url:` to `publish:` (docs/goproxy.md)")
        .into());
    }
    // Templates see the version being promoted; there is no commit to describe.
    let facts = crate::manifest::Manifest {
        schema_version: crate::manifest::SCHEMA_VERSION,
        project: settings.project_name().to_string(),
        version: version.trim_start_matches('v').to_string(),
        tag: Some(version.to_string()),
        previous_tag: None,
        commit: String::new(),
        commit_time: "1970-01-01T00:00:00Z".into(),
        snapshot: false,
        targets: Vec::new(),
        shard: None,
        artifacts: Vec::new(),
        build_facts: None,
    };
    let vars = publish::template::Vars::for_release(&facts, &ctx.env).map_err(Error::from)?;
    let options = Options {
        dry_run: args.dry_run,
        replace: false,
        root: settings.root.clone(),
        env: ctx.env.clone(),
        signing_key: None,
    };
    // Only lock waits come through: the reporter prints them as status lines.
    let reporter = PublishReporter::new(ctx.printer.clone(), 0);
    let sink: publish::Sink = std::sync::Arc::new(move |event| reporter.on(event));
    for (name, config) in publishers {
        let change = if promote {
            goproxy::promote
        } else {
            goproxy::withdraw
        };
        let changed = change(
            name,
            config,
            &vars,
            &module,
            version,
            &options,
            sink.clone(),
        )
        .map_err(Error::from)?;
        let (verb, what) = match (promote, changed.was, args.dry_run) {
            (_, _, true) => ("Would change", if promote { "list" } else { "delete" }),
            (true, VersionState::Listed, _) => ("Listed", "was already listed in"),
            (true, _, _) => ("Promoted", "is now listed in"),
            (false, _, _) => ("Withdrew", "deleted from"),
        };
        ctx.printer.status(
            verb,
            format!("{module}@{version} {what} {} ({name})", changed.location),
        );
        ctx.printer.data(format!("{name}\t{}", changed.location));
        ctx.printer.event(
            if promote {
                "module-promoted"
            } else {
                "module-withdrawn"
            },
            serde_json::json!({
                "publisher": name, "module": changed.module, "version": changed.version,
                "was": changed.was, "now": changed.now, "location": changed.location,
                "dry_run": args.dry_run,
            }),
        );
        if !args.dry_run {
            record(settings, name, &module, version, changed.now);
        }
    }
    Ok(ExitCode::Success)
}

/// Note the version's new state in the dist's publish state, when the dist holds that version
/// (the proxy itself is the truth; this is the local record `tug publish` keeps).
fn record(settings: &Settings, publisher: &str, module: &str, version: &str, now: VersionState) {
    let Ok(release) = Release::load(&settings.dist) else {
        return;
    };
    let Some(zip) = release.manifest.artifacts.iter().find(|a| {
        ModuleFile::of(a) == Some(ModuleFile::Zip)
            && a.extra.get("version").map(String::as_str) == Some(version)
    }) else {
        return;
    };
    let path = publish::state::state_path(&settings.dist);
    let Ok(mut state) = PublishState::load(&path, &release) else {
        return;
    };
    state.confirm(
        publisher,
        &format!("module {module}@{version}"),
        &zip.sha256,
        zip.size,
        now.as_str(),
    );
    if let Err(e) = state.save(&path) {
        tracing::warn!(error = %e, "could not record the module's state in the publish state");
    }
}
