//! `tug release`: build → sign (when configured) → publish, stopping at the first failing stage
//! with that stage's exit code. Each stage is exactly its own command, so a failed stage can be
//! re-run alone (`tug sign`, `tug publish`) without redoing the ones before it. tug.yaml is
//! loaded once, here, and the same [`Settings`](crate::config::settings::Settings) goes to every
//! stage, so a config warning prints once and every stage sees the same configuration.

use super::{build, publish, sign, Context};
use crate::cli::build::BuildArgs;
use crate::cli::publish::PublishArgs;
use crate::cli::release::ReleaseArgs;
use crate::cli::sign::SignArgs;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: ReleaseArgs) -> anyhow::Result<ExitCode> {
    // Resolve once up front, so a bad tug.yaml fails before any stage starts.
    let settings = ctx.load_settings(build::overrides(args.snapshot, args.parallelism))?;

    let code = build::run_with(
        ctx,
        &settings,
        BuildArgs {
            snapshot: args.snapshot,
            clean: args.clean,
            targets: Vec::new(),
            shard: None,
            parallelism: args.parallelism,
            fail_fast: true,
            verify_reproducible: false,
        },
    )?;
    if code != ExitCode::Success {
        return Ok(code);
    }

    if settings.config.sign.is_some() {
        let code = sign::run_with(
            ctx,
            &settings,
            SignArgs {
                key: None,
                artifacts: None,
            },
        )?;
        if code != ExitCode::Success {
            return Ok(code);
        }
    } else {
        ctx.printer
            .status("Skipping", "sign: tug.yaml has no `sign:` section");
    }

    publish::run_with(
        ctx,
        &settings,
        PublishArgs {
            only: Vec::new(),
            dry_run: false,
            replace: false,
            oci_layout: None,
            promote: None,
            withdraw: None,
        },
    )
}
