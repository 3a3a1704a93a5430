//! `tug release`: build → sign (when configured) → publish, stopping at the first failing stage
//! with that stage's exit code. Each stage is exactly its own command, so a failed stage can be
//! re-run alone (`tug sign`, `tug publish`) without redoing the ones before it.

use super::{build, publish, sign, Context};
use crate::cli::build::BuildArgs;
use crate::cli::publish::PublishArgs;
use crate::cli::release::ReleaseArgs;
use crate::cli::sign::SignArgs;
use crate::config::settings::{Overrides, Settings};
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: ReleaseArgs) -> anyhow::Result<ExitCode> {
    // Resolve once up front, so a bad tug.yaml fails before any stage starts.
    let settings = Settings::load(&ctx.global, &ctx.cwd, Overrides::default())?;

    let code = build::run(
        ctx,
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
        let code = sign::run(
            ctx,
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

    publish::run(
        ctx,
        PublishArgs {
            only: Vec::new(),
            dry_run: false,
            replace: false,
            oci_layout: None,
        },
    )
}
