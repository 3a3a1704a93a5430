use clap::Args;

/// Print the JSON Schema of tug.yaml on stdout
///
/// Editors with yaml-language-server autocomplete and validate tug.yaml with it: save it as
/// tug.schema.json and start tug.yaml with `# yaml-language-server: $schema=tug.schema.json`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the schema of dist/manifest.json instead
    #[arg(long)]
    pub manifest: bool,
}
