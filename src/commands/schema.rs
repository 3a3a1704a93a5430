//! `tug schema`: the JSON Schema of tug.yaml (for editors) or of dist/manifest.json.

use super::Context;
use crate::cli::schema::SchemaArgs;
use crate::config::Config;
use crate::error::ExitCode;
use crate::manifest::Manifest;

/// The text `tug schema` prints (also committed as tug.schema.json).
pub fn schema_text(manifest: bool) -> String {
    let schema = if manifest {
        Manifest::json_schema()
    } else {
        Config::json_schema()
    };
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
    text.push('\n');
    text
}

pub fn run(ctx: &Context, args: SchemaArgs) -> anyhow::Result<ExitCode> {
    ctx.printer.raw(schema_text(args.manifest).as_bytes());
    Ok(ExitCode::Success)
}
