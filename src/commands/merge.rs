//! `tug merge DIST... -o DIST`: combine shard dists into one release (see `build::merge`).

use super::Context;
use crate::build;
use crate::cli::merge::MergeArgs;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: MergeArgs) -> anyhow::Result<ExitCode> {
    let inputs: Vec<_> = args.inputs.iter().map(|d| ctx.cwd.join(d)).collect();
    let out = ctx.cwd.join(&args.output);
    build::check_dist(&out, args.clean).map_err(crate::Error::from)?;
    let m = build::merge::merge(&inputs, &out).map_err(crate::Error::from)?;
    ctx.printer.status(
        "Merged",
        format!(
            "{} shards of {} {} ({} targets, {} artifacts) into {}",
            inputs.len(),
            m.project,
            m.version,
            m.targets.len(),
            m.artifacts.len(),
            args.output.display()
        ),
    );
    ctx.printer.event(
        "merge-finished",
        serde_json::json!({ "project": m.project, "version": m.version, "targets": m.targets,
                            "artifacts": m.artifacts.len(), "dist": out.display().to_string() }),
    );
    Ok(ExitCode::Success)
}
