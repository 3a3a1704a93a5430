//! `tug publish`: load the release from dist/, pick the publishers, run the publish engine and
//! print its events (status lines and byte bars on stderr, locations or JSON events on stdout).

use std::path::Path;
use std::sync::Arc;

use super::Context;
use crate::cli::publish::PublishArgs;
use crate::config::publish::{OciPublisher, OciSignatures, PublisherConfig, RetryConfig};
use crate::config::settings::{Overrides, Settings};
use crate::error::{Error, ExitCode};
use crate::manifest::ArtifactKind;
use crate::publish::{self, Options, PublishError, Release};
use crate::sign::PrivateKey;
use crate::ui::reporters::PublishReporter;

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
    if let Some((version, promote)) = args
        .promote
        .as_ref()
        .map(|v| (v, true))
        .or(args.withdraw.as_ref().map(|v| (v, false)))
    {
        return super::publish_module::run(ctx, settings, &args, version, promote);
    }
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

    // A publisher whose templates need an unset variable would stop after the ones before it had
    // uploaded: refuse before any of them starts.
    let sections: Vec<String> = config
        .publish
        .iter()
        .enumerate()
        .filter(|(_, p)| publishers.iter().any(|q| q.name() == p.name()))
        .map(|(i, _)| format!("publish[{i}]"))
        .collect();
    crate::config::templates::require_env(settings, &ctx.env, &sections).map_err(Error::from)?;

    if let Some(dir) = &args.oci_layout {
        return write_layout(ctx, &release, &publishers, &ctx.cwd.join(dir), &root);
    }

    let signing_key = signing_key(ctx, settings, &release, &publishers)?.map(Arc::new);
    let options = Options {
        dry_run: args.dry_run,
        replace: args.replace,
        root: root.clone(),
        env: ctx.env.clone(),
        signing_key,
    };
    let total: u64 = release.manifest.artifacts.iter().map(|a| a.size).sum();
    let reporter = PublishReporter::new(ctx.printer.clone(), total);
    let sink: publish::Sink = Arc::new(move |event| reporter.on(event));
    let results = publish::publish(&release, &publishers, &options, sink).map_err(Error::from)?;
    for (name, summary) in &results {
        for location in &summary.locations {
            ctx.printer.data(format!("{name}\t{location}"));
        }
    }
    Ok(ExitCode::Success)
}

/// The release key, when an `oci` publisher signs in the registry (`signatures` not `none`) and the
/// release is signed: what `tug sign` signed, `tug publish` signs too, with the same key from the
/// same place (`sign.key`, `sign.password` / `COSIGN_PASSWORD`).
fn signing_key(
    ctx: &Context,
    settings: &Settings,
    release: &Release,
    publishers: &[PublisherConfig],
) -> anyhow::Result<Option<PrivateKey>> {
    let signed = release
        .manifest
        .artifacts
        .iter()
        .any(|a| matches!(a.kind, ArtifactKind::Signature | ArtifactKind::Bundle));
    let Some(name) = publishers.iter().find_map(|p| match p {
        PublisherConfig::Oci(o) if o.signatures != OciSignatures::None => Some(p.name()),
        _ => None,
    }) else {
        return Ok(None);
    };
    if !signed {
        return Ok(None);
    }
    let setup = super::sign::setup(settings);
    let source = setup.config.key_source(&setup.base);
    super::sign::load_key(ctx, &setup, &source)
        .map(Some)
        .map_err(|e| {
            let (code, hint) = crate::error::classify(&e);
            Error::failure(format!(
                "publisher {name} signs the images it pushes with the release key ({source})"
            ))
            .with_code(code)
            .with_source(e.into_boxed_dyn_error())
            .with_hint(format!(
                "{}; or set `signatures: none` on the publisher",
                hint.unwrap_or_else(|| "make the key that signed the release available".into())
            ))
            .into()
        })
}

/// `--oci-layout DIR`: the oci publishers' plans (or the release alone, as `<project>:<version>`)
/// written as an OCI image layout.
fn write_layout(
    ctx: &Context,
    release: &Release,
    publishers: &[PublisherConfig],
    dir: &Path,
    root: &Path,
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
                signatures: Default::default(),
                source: None,
            },
        ));
    }
    let mut plans = Vec::new();
    for (name, oci) in &ocis {
        plans.push(
            publish::oci::plan(release, oci, &vars, name, None, None, root).map_err(Error::from)?,
        );
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
