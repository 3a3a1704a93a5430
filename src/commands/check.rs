//! `tug check`: validate tug.yaml, or with `--release` run the release checks
//! (see `check_release`).
// TODO(merge): the config helper's version of this file validates the whole tug.yaml with every
// layer applied; keep theirs and keep the `if args.release` dispatch below.

use super::{check_release, Context};
use crate::cli::check::CheckArgs;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: CheckArgs) -> anyhow::Result<ExitCode> {
    if args.release {
        return check_release::run(ctx, &args);
    }
    let loaded = check_release::load_checks_config(ctx)?;
    match &loaded.path {
        Some(path) => ctx
            .printer
            .status("Checked", format!("{} is valid", path.display())),
        None => ctx
            .printer
            .status("Checked", "no tug.yaml found: the defaults are valid"),
    }
    ctx.printer
        .event("config_valid", serde_json::json!({ "path": loaded.path }));
    Ok(ExitCode::Success)
}
