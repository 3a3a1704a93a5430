//! `tug sign`: sign the release in dist/ with a cosign key (engine: `crate::sign`).
//!
//! Works with or without a tug.yaml: flags override the `sign:` section, which overrides the
//! cosign defaults (`cosign.key`, `COSIGN_PASSWORD`, sign the checksums file). When the build
//! recorded `build_facts` (tug.yaml has `provenance:`), it then writes the release's signed SLSA
//! provenance (`crate::attest::provenance::write`), last, so it names every file as it is final.

use std::path::PathBuf;

use super::Context;
use crate::cli::sign::{SignArgs, SignSelection};
use crate::config::settings::{Overrides, Settings};
use crate::config::sign::{SignArtifacts, SignConfig};
use crate::error::{Error, ExitCode};
use crate::manifest::Manifest;
use crate::sign::{
    keyfile, sign_dist_decrypting, KeyError, KeySource, PrivateKey, SignError, SignEvent,
};

/// The `sign:` section and the directory relative references resolve against.
pub(crate) struct SignSetup {
    pub config: SignConfig,
    pub base: PathBuf,
    pub dist: PathBuf,
}

/// The `sign:` section of the resolved settings (tug.yaml, `TUG_*`, flags).
pub(crate) fn setup(settings: &Settings) -> SignSetup {
    SignSetup {
        config: settings.config.sign.clone().unwrap_or_default(),
        base: settings.root.clone(),
        dist: settings.dist.clone(),
    }
}

/// A key reference from a flag (relative to the current directory) or the config.
pub(crate) fn flag_source(ctx: &Context, flag: &str) -> anyhow::Result<KeySource> {
    KeySource::parse(flag, &ctx.cwd).map_err(|msg| {
        Error::usage(format!("--key: {msg}"))
            .with_hint("pass a file path or env://VAR")
            .into()
    })
}

/// Read and decrypt the release key the way `tug sign` does (the password from `sign.password`,
/// `COSIGN_PASSWORD` or a prompt); `tug publish` signs images with the same key.
pub(crate) fn load_key(
    ctx: &Context,
    setup: &SignSetup,
    key_source: &KeySource,
) -> anyhow::Result<PrivateKey> {
    Ok(read_key(ctx, setup, key_source)?.decrypt()?)
}

/// The release key read and its password obtained, not yet decrypted (the slow part, scrypt),
/// so `tug sign` can decrypt it while it hashes the artifacts.
pub(crate) struct EncryptedKey {
    text: String,
    password: Vec<u8>,
    what: String,
}

impl EncryptedKey {
    pub(crate) fn decrypt(self) -> Result<PrivateKey, KeyError> {
        keyfile::decrypt(&self.text, &self.password, &self.what)
    }
}

/// Read the release key file and obtain its password (`sign.password`, `COSIGN_PASSWORD` or a
/// prompt), without decrypting it yet.
pub(crate) fn read_key(
    ctx: &Context,
    setup: &SignSetup,
    key_source: &KeySource,
) -> anyhow::Result<EncryptedKey> {
    let key_pem = key_source.read(&ctx.env).map_err(Error::from)?;
    let text = String::from_utf8(key_pem).map_err(|_| {
        Error::from(KeyError::NotPem {
            what: key_source.to_string(),
            detail: "not UTF-8 text".into(),
            source: None,
        })
    })?;
    let password = super::keys::password(
        &ctx.env,
        setup.config.password_source(&setup.base).as_ref(),
        false,
    )?;
    Ok(EncryptedKey {
        text,
        password,
        what: key_source.to_string(),
    })
}

pub fn run(ctx: &Context, args: SignArgs) -> anyhow::Result<ExitCode> {
    let settings = ctx.load_settings(Overrides::default())?;
    run_with(ctx, &settings, args)
}

/// `tug sign` with settings already resolved (by `run`, or once for all stages by `tug release`).
pub(crate) fn run_with(
    ctx: &Context,
    settings: &Settings,
    args: SignArgs,
) -> anyhow::Result<ExitCode> {
    let setup = setup(settings);
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
    let manifest = Manifest::read(&setup.dist).map_err(|e| Error::from(SignError::from(e)))?;
    let encrypted = read_key(ctx, &setup, &key_source)?;

    let total = crate::sign::dist::bytes_to_sign(&manifest, selection);
    let bar = ctx.printer.bytes_bar(total, "Signing");
    let progress = |event: SignEvent| match event {
        SignEvent::Done { size, .. } => bar.inc(size),
    };
    let result = sign_dist_decrypting(
        &setup.dist,
        move || encrypted.decrypt(),
        selection,
        &progress,
    );
    bar.finish_and_clear();
    let (report, key) = result.map_err(Error::from)?;
    for name in &report.signed {
        ctx.printer.status("Signed", name);
    }
    if let Some(name) = &report.checksums_updated {
        ctx.printer
            .status("Updated", format!("{name} (lists the new signatures)"));
    }
    // The provenance last: it lists every file as it is now, the checksums file included.
    let provenance = if manifest.build_facts.is_some() {
        let entry = crate::attest::provenance::write(&setup.dist, &key).map_err(|e| {
            Error::failure("cannot write the provenance of the release").with_source(e)
        })?;
        ctx.printer.status(
            "Attested",
            format!("{} (SLSA v1 provenance, DSSE)", entry.name),
        );
        Some(entry.name)
    } else {
        None
    };
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
            "provenance": provenance,
        }),
    );
    Ok(ExitCode::Success)
}
