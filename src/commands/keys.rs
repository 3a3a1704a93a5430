//! `tug keys generate`: a cosign key pair (or, with `--sumdb`, a checksum database's note key),
//! plus the password plumbing `tug sign` shares.
//!
//! A sumdb signer key is written in golang.org/x/mod's own text format, unencrypted: it is what
//! every sumdb implementation reads, and `tug publish` reads it unattended like a token
//! (`sumdb.key: env://VAR` or a file). It gets the release key's other protections: mode 0600 from
//! the start, excluded from git, never printed or logged.
//!
//! Passwords follow cosign's rules so the same CI secrets work for both tools: a configured
//! reference (sign.password), else `COSIGN_PASSWORD` (set but empty means "no password"), else a
//! prompt on the controlling terminal with echo off, else an error saying how to provide one.
//! The password is never printed, logged or kept longer than needed.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::Context;
use crate::cli::keys::{KeysArgs, KeysCommand, KeysGenerateArgs};
use crate::config::env::EnvSnapshot;
use crate::config::sign::DEFAULT_PASSWORD_ENV;
use crate::error::{Error, ExitCode};
use crate::sign::{keyfile, KeyError, KeySource, PrivateKey};

pub fn run(ctx: &Context, args: KeysArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        KeysCommand::Generate(args) => generate(ctx, args),
    }
}

fn generate(ctx: &Context, args: KeysGenerateArgs) -> anyhow::Result<ExitCode> {
    if let Some(name) = &args.sumdb {
        return generate_sumdb(ctx, &args, name);
    }
    let prefix = args.output_prefix.as_deref().unwrap_or("cosign");
    let private_path = ctx.cwd.join(format!("{prefix}.key"));
    let public_path = ctx.cwd.join(format!("{prefix}.pub"));
    if !args.force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                return Err(Error::from(KeyError::Exists(path.clone())).into());
            }
        }
    }
    let password = password(&ctx.env, None, true)?;
    let key = PrivateKey::generate();
    let pem = keyfile::encrypt(&key, &password);
    let public = key.public_key();
    // In a work tree, git must never be able to pick up the private key: it is excluded in this
    // clone (.git/info/exclude) before it exists.
    let excluded = crate::git::exclude_locally(&private_path).map_err(Error::from)?;
    write_pair(
        &private_path,
        pem.as_bytes(),
        &public_path,
        public.to_pem().as_bytes(),
    )?;
    let shown = |p: &Path| p.strip_prefix(&ctx.cwd).unwrap_or(p).display().to_string();
    ctx.printer.status(
        "Generated",
        format!("{} (private, encrypted, mode 0600)", shown(&private_path)),
    );
    ctx.printer
        .status("Generated", format!("{} (public)", shown(&public_path)));
    if let Some(line) = &excluded {
        ctx.printer.info(format!(
            "note: added {line} to .git/info/exclude so git never tracks the private key; keep it out of commits (store it as a CI secret)"
        ));
    }
    ctx.printer.data(public.to_pem().trim_end());
    ctx.printer.event(
        "keys-generated",
        serde_json::json!({
            "private_key": private_path, "public_key": public_path, "hint": public.hint(),
            "excluded_from_git": excluded,
        }),
    );
    Ok(ExitCode::Success)
}

/// `tug keys generate --sumdb NAME`: PREFIX.key (signer, 0600) and PREFIX.vkey (verifier).
fn generate_sumdb(ctx: &Context, args: &KeysGenerateArgs, name: &str) -> anyhow::Result<ExitCode> {
    use crate::gomod::sumdb::note::SignerKey;
    let key = SignerKey::generate(name).map_err(|e| {
        Error::usage(format!("--sumdb: {e}")).with_hint(
            "a checksum database is named like a host, with an optional path: sum.example.com",
        )
    })?;
    let prefix = args.output_prefix.as_deref().unwrap_or("sumdb");
    let private_path = ctx.cwd.join(format!("{prefix}.key"));
    let public_path = ctx.cwd.join(format!("{prefix}.vkey"));
    if !args.force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                return Err(Error::from(KeyError::Exists(path.clone())).into());
            }
        }
    }
    let verifier = key.verifier().to_string();
    let excluded = crate::git::exclude_locally(&private_path).map_err(Error::from)?;
    let secret = zeroize::Zeroizing::new(format!("{}\n", key.to_secret_string()));
    write_pair(
        &private_path,
        secret.as_bytes(),
        &public_path,
        format!("{verifier}\n").as_bytes(),
    )?;
    let shown = |p: &Path| p.strip_prefix(&ctx.cwd).unwrap_or(p).display().to_string();
    ctx.printer.status(
        "Generated",
        format!(
            "{} (checksum database signer key, secret, mode 0600)",
            shown(&private_path)
        ),
    );
    ctx.printer.status(
        "Generated",
        format!("{} (verifier key)", shown(&public_path)),
    );
    if let Some(line) = &excluded {
        ctx.printer.info(format!(
            "note: added {line} to .git/info/exclude so git never tracks the signer key; keep it out of commits (store it as a CI secret)"
        ));
    }
    ctx.printer.info(format!(
        "hint: consumers set GOSUMDB=\"{verifier} https://<your proxy>/sumdb/{name}\" (or GOSUMDB={verifier} with GOPROXY at the proxy)"
    ));
    ctx.printer.data(&verifier);
    ctx.printer.event(
        "keys-generated",
        serde_json::json!({
            "private_key": private_path, "public_key": public_path, "sumdb": name,
            "verifier_key": verifier, "excluded_from_git": excluded,
        }),
    );
    Ok(ExitCode::Success)
}

/// Write the secret half (mode 0600) and then the public half (mode 0644) of a key pair.
fn write_pair(
    private_path: &Path,
    private: &[u8],
    public_path: &Path,
    public: &[u8],
) -> Result<(), Error> {
    for (path, bytes, mode) in [(private_path, private, 0o600), (public_path, public, 0o644)] {
        write_with_mode(path, bytes, mode).map_err(|source| {
            Error::from(KeyError::Write {
                path: path.to_path_buf(),
                source,
            })
        })?;
    }
    Ok(())
}

/// Write atomically with `mode` from the start (the private key is never world-readable).
fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tug-key.")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The key password: `configured` (sign.password), else COSIGN_PASSWORD (from `env`, the run's
/// environment), else the terminal (asked twice when `confirm`), else a usage error.
pub(crate) fn password(
    env: &EnvSnapshot,
    configured: Option<&KeySource>,
    confirm: bool,
) -> anyhow::Result<Vec<u8>> {
    if let Some(source) = configured {
        tracing::debug!(from = %source, "key password from sign.password");
        let mut bytes = source.read(env).map_err(Error::from)?;
        if let KeySource::File(_) = source {
            if bytes.ends_with(b"\n") {
                bytes.pop();
                if bytes.ends_with(b"\r") {
                    bytes.pop();
                }
            }
        }
        return Ok(bytes);
    }
    if let Some(value) = env.get(DEFAULT_PASSWORD_ENV) {
        tracing::debug!(
            from = DEFAULT_PASSWORD_ENV,
            empty = value.is_empty(),
            "key password"
        );
        return Ok(value.as_bytes().to_vec());
    }
    tracing::debug!("key password from the terminal");
    let no_terminal = || {
        Error::usage("no password for the signing key: COSIGN_PASSWORD is not set and there is no terminal to ask on")
            .with_hint("set COSIGN_PASSWORD (an empty value means no password), or sign.password: env://VAR")
    };
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal().into());
    }
    let first =
        prompt("Enter password for private key: ").map_err(|e| no_terminal().with_source(e))?;
    if confirm {
        let second = prompt("Enter password for private key again: ")
            .map_err(|e| no_terminal().with_source(e))?;
        if first != second {
            return Err(anyhow::Error::new(Error::usage(
                "the passwords do not match",
            )));
        }
    }
    Ok(first)
}

/// Ask on the controlling terminal (/dev/tty) with echo off, through `rpassword`, which restores
/// the terminal settings even when reading fails or is interrupted.
fn prompt(question: &str) -> std::io::Result<Vec<u8>> {
    rpassword::prompt_password(question).map(String::into_bytes)
}
