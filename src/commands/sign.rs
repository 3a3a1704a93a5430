//! `tug sign`: sign the release in dist/ with a cosign key (engine: `crate::sign`).
//!
//! Works with or without a tug.yaml: flags override the `sign:` section, which overrides the
//! cosign defaults (`cosign.key`, `COSIGN_PASSWORD`, sign the checksums file).

use std::path::{Path, PathBuf};

use super::Context;
use crate::cli::sign::{SignArgs, SignSelection};
use crate::config::sign::{SignArtifacts, SignConfig};
use crate::error::{Error, ExitCode};
use crate::manifest::Manifest;
use crate::sign::{keyfile, sign_dist, user_error, KeyError, KeySource, SignEvent};

/// The `sign:` section and the directory relative references resolve against.
pub(crate) struct SignSetup {
    pub config: SignConfig,
    pub base: PathBuf,
    pub dist: PathBuf,
}

/// Find tug.yaml (`--config`, else walking up from the current directory), read its `sign:`
/// section, and decide where dist/ is.
// TODO(merge): config::load — replace this thin reader once the config loader lands.
pub(crate) fn setup(ctx: &Context) -> anyhow::Result<SignSetup> {
    let path = match &ctx.global.config {
        Some(p) => Some(ctx.cwd.join(p)),
        None => ctx
            .cwd
            .ancestors()
            .map(|d| d.join("tug.yaml"))
            .find(|p| p.is_file()),
    };
    let (config, base) = match path {
        None => (SignConfig::default(), ctx.cwd.clone()),
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
            let config: crate::config::Config = serde_saphyr::from_str(&text).map_err(|e| {
                Error::usage(format!("{}: {e}", path.display()))
                    .with_hint("see `tug schema` for the tug.yaml format")
            })?;
            let sign = config.sign.unwrap_or_default();
            let mut v = crate::config::Validator::new(&path);
            sign.validate(&mut v);
            if let Some(d) = v.diagnostics.first() {
                return Err(Error::usage(d.render(&text)).into());
            }
            let base = path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| ctx.cwd.clone());
            (sign, base)
        }
    };
    let dist = match &ctx.global.dist {
        Some(d) => ctx.cwd.join(d),
        None => base.join("dist"),
    };
    Ok(SignSetup { config, base, dist })
}

/// A key reference from a flag (relative to the current directory) or the config.
pub(crate) fn flag_source(ctx: &Context, flag: &str) -> anyhow::Result<KeySource> {
    KeySource::parse(flag, &ctx.cwd).map_err(|msg| {
        Error::usage(format!("--key: {msg}"))
            .with_hint("pass a file path or env://VAR")
            .into()
    })
}

pub fn run(ctx: &Context, args: SignArgs) -> anyhow::Result<ExitCode> {
    let setup = setup(ctx)?;
    let key_source = match &args.key {
        Some(flag) => flag_source(ctx, flag)?,
        None => setup.config.key_source(&setup.base),
    };
    let selection = match args.artifacts {
        Some(SignSelection::Checksums) => SignArtifacts::Checksums,
        Some(SignSelection::Archives) => SignArtifacts::Archives,
        Some(SignSelection::Binaries) => SignArtifacts::Binaries,
        Some(SignSelection::All) => SignArtifacts::All,
        None => setup.config.artifacts,
    };
    // Read the manifest and the key before asking for a password, so a missing dist or key
    // fails fast instead of after a prompt.
    let manifest = Manifest::read(&setup.dist).map_err(|e| user_error(e.into()))?;
    let key_pem = key_source.read().map_err(|e| user_error(e.into()))?;
    let key_text = String::from_utf8(key_pem).map_err(|_| {
        user_error(
            KeyError::NotPem {
                what: key_source.to_string(),
                detail: "not UTF-8 text".into(),
            }
            .into(),
        )
    })?;
    let password =
        super::keys::password(setup.config.password_source(&setup.base).as_ref(), false)?;
    let key = keyfile::decrypt(&key_text, &password, &key_source.to_string())
        .map_err(|e| user_error(e.into()))?;
    drop(password);

    let total = crate::sign::dist::bytes_to_sign(&manifest, selection);
    let bar = ctx.printer.bytes_bar(total, "Signing");
    let progress = |event: SignEvent| match event {
        SignEvent::Done { size, .. } => bar.inc(size),
    };
    let report = sign_dist(&setup.dist, &key, selection, &progress);
    bar.finish_and_clear();
    let report = report.map_err(user_error)?;
    for name in &report.signed {
        ctx.printer.status("Signed", name);
    }
    if let Some(name) = &report.checksums_updated {
        ctx.printer
            .status("Updated", format!("{name} (lists the new signatures)"));
    }
    ctx.printer.status(
        "Finished",
        format!(
            "{} artifact(s) signed with {} (key hint {}); {} file(s) written",
            report.signed.len(),
            key_source,
            key.public_key().hint(),
            report.written.len()
        ),
    );
    ctx.printer.event(
        "signed",
        serde_json::json!({
            "signed": report.signed, "written": report.written,
            "checksums_updated": report.checksums_updated, "key_hint": key.public_key().hint(),
        }),
    );
    Ok(ExitCode::Success)
}
