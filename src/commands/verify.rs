//! `tug verify`: check a release's digests, checksums file and signatures (engine:
//! `crate::sign::dist`), one file with a `.sig` / bundle as `cosign verify-blob` would, or an
//! image in a registry by its cosign signatures (`crate::publish::oci::verify`), or the release's
//! signed provenance against `policy:` (`--provenance`, engine: `crate::attest`), or the
//! provenance attestation attached to an image (`--image REF --provenance`).

use std::path::PathBuf;

use super::sign::{flag_source, setup};
use super::Context;
use crate::cli::verify::VerifyArgs;
use crate::error::{Error, ExitCode};
use crate::sign::{dist, PublicKey, SignEvent};

pub fn run(ctx: &Context, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    if let (Some(dir), Some(key)) = (&args.sumdb, &args.key) {
        return verify_sumdb(ctx, &ctx.cwd.join(dir), key);
    }
    let settings = ctx.load_settings(crate::config::settings::Overrides::default())?;
    let setup = setup(&settings);
    let key_source = match &args.key {
        Some(flag) => flag_source(ctx, flag)?,
        None => setup.config.public_key_source(&setup.base),
    };
    let key = PublicKey::load(&key_source, &ctx.env).map_err(Error::from)?;

    if args.provenance {
        let policy = settings.config.policy.clone().unwrap_or_default();
        if let Some(reference) = &args.image {
            return verify_image_provenance(ctx, &key, &policy, reference, args.insecure);
        }
        return verify_provenance(ctx, &key, &policy, &setup.dist);
    }
    if let Some(reference) = &args.image {
        return verify_image(ctx, &key, reference, args.insecure);
    }
    if args.signature.is_some() || args.bundle.is_some() {
        return verify_one_file(ctx, &key, args);
    }

    let bar = ctx.printer.spinner("Verifying");
    let progress = |event: SignEvent| match event {
        SignEvent::Done { .. } => bar.inc(1),
    };
    let report = dist::verify_dist(
        &setup.dist,
        &key,
        &args.artifacts,
        setup.config.artifacts,
        &progress,
    );
    bar.finish_and_clear();
    let report = report.map_err(Error::from)?;
    for (name, problem) in &report.problems {
        ctx.printer.data(format!("FAIL  {name}: {problem}"));
        ctx.printer.event(
            "problem",
            serde_json::json!({ "artifact": name, "problem": problem.to_string() }),
        );
    }
    // A Go module release: the h1: hashes the go command will compute, recomputed from the files.
    let manifest = crate::manifest::Manifest::read(&setup.dist).map_err(Error::from)?;
    let mut module_problems = crate::build::module::verify(&setup.dist, &manifest);
    module_problems.retain(|(name, _)| args.artifacts.is_empty() || args.artifacts.contains(name));
    for (name, problem) in &module_problems {
        ctx.printer.data(format!("FAIL  {name}: {problem}"));
        ctx.printer.event(
            "problem",
            serde_json::json!({ "artifact": name, "problem": problem.to_string() }),
        );
    }
    let modules = manifest
        .artifacts
        .iter()
        .filter(|a| crate::build::module::ModuleFile::of(a).is_some())
        .count();
    let problems = report.problems.len() + module_problems.len();
    ctx.printer.event(
        "verified",
        serde_json::json!({
            "ok": report.ok() && module_problems.is_empty(), "checked": report.checked,
            "valid_signatures": report.valid_signatures, "problems": problems,
            "module_files": modules,
        }),
    );
    if report.ok() && module_problems.is_empty() {
        ctx.printer.status(
            "Verified",
            format!(
                "{} artifact(s), {} signature(s) with {} (key hint {}){}",
                report.checked.len(),
                report.valid_signatures.len(),
                key_source,
                key.hint(),
                if modules > 0 {
                    ", and the Go module's h1: hashes recomputed from its zip and go.mod"
                } else {
                    ""
                }
            ),
        );
        Ok(ExitCode::Success)
    } else {
        Err(Error::failure(format!(
            "verification failed: {} problem(s) in {}",
            problems,
            setup.dist.display()
        ))
        .with_hint("rebuild and re-sign the release, or fetch it again from where it was published")
        .into())
    }
}

/// `--provenance`: the release's signed provenance against the key and the policy.
fn verify_provenance(
    ctx: &Context,
    key: &PublicKey,
    policy: &crate::config::attest::PolicyConfig,
    dist: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let spinner = ctx.printer.spinner("Verifying provenance");
    let report = crate::attest::verify_release(dist, key, policy, None);
    spinner.finish_and_clear();
    let report = report.map_err(Error::from)?;
    report_provenance(ctx, key, &dist.display().to_string(), &report)
}

/// `--image REF --provenance`: the provenance attestation attached to the image, against the key
/// (and the image's manifest digest) and the policy.
fn verify_image_provenance(
    ctx: &Context,
    key: &PublicKey,
    policy: &crate::config::attest::PolicyConfig,
    reference: &str,
    insecure: bool,
) -> anyhow::Result<ExitCode> {
    let spinner = ctx.printer.spinner("Verifying provenance");
    let fetched = crate::publish::oci::verify::fetch_attestations(reference, &ctx.env, insecure);
    spinner.finish_and_clear();
    let (shown, digest, attached) = fetched.map_err(Error::from)?;
    let report = crate::attest::verify_attached(&shown, &digest, &attached, key, policy);
    report_provenance(ctx, key, &shown, &report)?;
    ctx.printer.data(shown);
    Ok(ExitCode::Success)
}

/// Print a provenance check of `what` (a dist or an image) and choose the outcome: every failed
/// rule listed, exit 1 naming them.
fn report_provenance(
    ctx: &Context,
    key: &PublicKey,
    what: &str,
    report: &crate::attest::ProvenanceReport,
) -> anyhow::Result<ExitCode> {
    for v in &report.violations {
        ctx.printer.data(format!("FAIL  {v}"));
    }
    ctx.printer.event(
        "provenance",
        serde_json::to_value(report).unwrap_or_default(),
    );
    if !report.ok() {
        let rules: Vec<&str> = report.violations.iter().map(|v| v.rule.id()).collect();
        return Err(Error::failure(format!(
            "the provenance of {what} does not satisfy the policy: rule {} failed",
            rules.join(", ")
        ))
        .with_hint("rebuild from a clean, tagged commit of an allowed repository on an allowed builder, then `tug sign`")
        .into());
    }
    let claims = report.claims.as_ref();
    ctx.printer.status(
        "Verified",
        format!(
            "{} ({} subject(s); commit {}, tag {}, builder {}; key hint {})",
            report.provenance.as_deref().unwrap_or_default(),
            report.subjects_checked,
            claims.and_then(|c| c.commit.as_deref()).unwrap_or("?"),
            claims.and_then(|c| c.tag.as_deref()).unwrap_or("none"),
            claims.and_then(|c| c.builder_id.as_deref()).unwrap_or("?"),
            key.hint()
        ),
    );
    Ok(ExitCode::Success)
}

/// `--image REF`: the image's cosign signatures in its registry.
fn verify_image(
    ctx: &Context,
    key: &PublicKey,
    reference: &str,
    insecure: bool,
) -> anyhow::Result<ExitCode> {
    let spinner = ctx.printer.spinner("Verifying");
    let result = crate::publish::oci::verify::verify_image(reference, key, &ctx.env, insecure);
    spinner.finish_and_clear();
    let report = result.map_err(Error::from)?;
    for check in &report.signatures {
        if let Err(e) = &check.result {
            ctx.printer
                .data(format!("INVALID  signature {}: {e}", check.layer));
        }
        ctx.printer.event(
            "verified-signature",
            serde_json::json!({
                "image": report.reference, "layer": check.layer, "ok": check.result.is_ok(),
                "error": check.result.as_ref().err().map(|e| e.to_string()),
            }),
        );
    }
    ctx.printer.status(
        "Verified",
        format!(
            "{} ({} of {} signature(s) valid with key hint {})",
            report.reference,
            report.valid(),
            report.signatures.len(),
            key.hint()
        ),
    );
    ctx.printer.data(report.reference.clone());
    Ok(ExitCode::Success)
}

fn verify_one_file(ctx: &Context, key: &PublicKey, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let [file] = args.artifacts.as_slice() else {
        return Err(
            Error::usage("--signature and --bundle verify exactly one FILE")
                .with_hint("tug verify --key cosign.pub --bundle FILE.sigstore.json FILE")
                .into(),
        );
    };
    let file = ctx.cwd.join(file);
    let cwd = |p: Option<PathBuf>| p.map(|p| ctx.cwd.join(p));
    let (signature, bundle) = (cwd(args.signature), cwd(args.bundle));
    let results = dist::verify_file(key, &file, signature.as_deref(), bundle.as_deref())
        .map_err(Error::from)?;
    let mut failed = 0;
    for (path, result) in &results {
        match result {
            Ok(()) => ctx.printer.status(
                "Verified",
                format!("{} with {}", file.display(), path.display()),
            ),
            Err(e) => {
                failed += 1;
                ctx.printer.data(format!("FAIL  {}: {e}", path.display()));
            }
        }
        ctx.printer.event(
            "verified-file",
            serde_json::json!({
                "file": file, "signature": path, "ok": result.is_ok(),
                "error": result.as_ref().err().map(|e| e.to_string()),
            }),
        );
    }
    if failed > 0 {
        return Err(Error::failure(format!("{} does not verify", file.display())).into());
    }
    Ok(ExitCode::Success)
}

/// `--sumdb DIR --key VKEY`: a whole checksum database against its signed head.
fn verify_sumdb(ctx: &Context, dir: &std::path::Path, key: &str) -> anyhow::Result<ExitCode> {
    use crate::gomod::sumdb::note::VerifierKey;
    let usage = |m: String| {
        Error::usage(m).with_hint(
            "--key takes the verifier key `tug keys generate --sumdb` printed (NAME+HASH+KEY), the sumdb.vkey file, or env://VAR",
        )
    };
    let text = if let Some(var) = key.strip_prefix("env://") {
        ctx.env
            .get(var)
            .map(str::to_string)
            .ok_or_else(|| usage(format!("--key: {var} is not set")))?
    } else if VerifierKey::parse(key).is_ok() {
        key.to_string()
    } else {
        let path = ctx.cwd.join(key);
        std::fs::read_to_string(&path)
            .map_err(|e| usage(format!("--key: cannot read {}", path.display())).with_source(e))?
    };
    let verifier = VerifierKey::parse(&text)
        .map_err(|e| usage("--key: not a checksum database verifier key".into()).with_source(e))?;
    let mut lookups = Vec::new();
    let root = dir.join("lookup");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(Error::failure(format!("cannot read {}", d.display()))
                    .with_source(e)
                    .into())
            }
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                lookups.push(rel.display().to_string());
            }
        }
    }
    lookups.sort();
    let read = |rel: &str| match std::fs::read(dir.join(rel)) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    };
    let report = crate::gomod::sumdb::verify::verify(&verifier, &read, &lookups).map_err(|e| {
        Error::failure(format!(
            "the checksum database in {} does not verify",
            dir.display()
        ))
        .with_source(e)
    })?;
    for (file, problem) in &report.problems {
        ctx.printer.data(format!("FAIL  {file}: {problem}"));
        ctx.printer.event(
            "problem",
            serde_json::json!({ "file": file, "problem": problem }),
        );
    }
    ctx.printer.event(
        "verified",
        serde_json::json!({
            "ok": report.problems.is_empty(), "sumdb": verifier.name(), "records": report.records,
            "tiles": report.tiles, "lookups": report.lookups, "problems": report.problems.len(),
        }),
    );
    if !report.problems.is_empty() {
        return Err(Error::failure(format!(
            "verification failed: {} problem(s) in the checksum database {}",
            report.problems.len(),
            dir.display()
        ))
        .with_hint("the database's files were changed outside tug; restore them from a backup (its history cannot be rewritten)")
        .into());
    }
    ctx.printer.status(
        "Verified",
        format!(
            "checksum database {}: {} record(s), {} tile(s) and {} lookup(s) against its signed head",
            verifier.name(),
            report.records,
            report.tiles,
            report.lookups
        ),
    );
    Ok(ExitCode::Success)
}
