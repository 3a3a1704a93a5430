//! `tug init`: write a commented tug.yaml for the project in the current directory, from
//! templates/tug.yaml.j2 and what [`crate::config::detect`] finds (go.mod or Cargo.toml). The
//! result always passes `tug check`; an existing file is only replaced with `--force`.

use minijinja::{context, Environment, UndefinedBehavior};

use super::Context;
use crate::ci::{self, Provider};
use crate::cli::init::{InitArgs, InitCi};
use crate::config::detect::{self, ProjectKind};
use crate::error::ExitCode;

/// The init template, embedded in the binary.
pub const TEMPLATE: &str = include_str!("../../templates/tug.yaml.j2");

/// Render the tug.yaml text for a project named `name` of `kind`.
pub fn render(name: &str, kind: Option<&ProjectKind>) -> anyhow::Result<String> {
    let (kind_name, module, mains): (&str, &str, &[String]) = match kind {
        Some(ProjectKind::Go { module, mains }) => ("go", module, mains),
        Some(ProjectKind::Rust { package, bins }) => ("rust", package, bins),
        None => ("none", "", &[]),
    };
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    let text = env.render_str(
        TEMPLATE,
        context! { name, kind => kind_name, module, mains },
    )?;
    Ok(text)
}

pub fn run(ctx: &Context, args: InitArgs) -> anyhow::Result<ExitCode> {
    let path = match &ctx.global.config {
        Some(p) => ctx.cwd.join(p),
        None => ctx.cwd.join(crate::config::FILE_NAME),
    };
    let shown = path
        .strip_prefix(&ctx.cwd)
        .unwrap_or(&path)
        .display()
        .to_string();
    if path.exists() && !args.force {
        return Err(crate::Error::usage(format!("{shown} already exists"))
            .with_hint("pass --force to overwrite it, or edit it and run `tug check`")
            .into());
    }
    let root = path.parent().unwrap_or(&ctx.cwd);
    let kind = detect::detect(root);
    let name = detect::default_project_name(root);
    let mut text = render(&name, kind.as_ref())?;
    let provider = args.ci.map(|c| match c {
        InitCi::Github => Provider::Github,
        InitCi::Gitlab => Provider::Gitlab,
    });
    if let Some(p) = provider {
        text.push_str(&ci_section(p));
    }
    // Never write a config tug itself would reject.
    let (config, _) = crate::config::parse(std::path::Path::new(&shown), &text)
        .map_err(|e| anyhow::anyhow!("internal error: the generated tug.yaml is invalid:\n{e}"))?;
    // The pipeline is planned from the same text before anything is written, so a refusal (a
    // hand-written pipeline file in the way) leaves nothing behind.
    let pipeline = match provider {
        None => None,
        Some(p) => {
            let (pipeline, ci_text) =
                super::ci::generate(ctx, &config, &name, root, p, &ci::Options::default())?;
            let ci_path = root.join(p.default_path());
            let existing = std::fs::read_to_string(&ci_path).ok();
            super::ci::refuse_foreign(existing.as_deref(), p.default_path(), args.force)?;
            Some((p, pipeline, ci_text, ci_path))
        }
    };
    crate::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot write {shown}")))?;
    let what = match &kind {
        Some(ProjectKind::Go { module, mains }) => {
            format!(
                "for Go module {module} ({} main package{})",
                mains.len(),
                if mains.len() == 1 { "" } else { "s" }
            )
        }
        Some(ProjectKind::Rust { package, .. }) => format!("for Cargo package {package}"),
        None => "(no go.mod or Cargo.toml found)".to_string(),
    };
    ctx.printer.status("Created", format!("{shown} {what}"));
    if let Some(line) = ignore_output(root, std::path::Path::new("dist"))? {
        ctx.printer.status(
            "Updated",
            format!(".gitignore: added {line} (tug's output)"),
        );
    }
    if let Some((p, pipeline, ci_text, ci_path)) = &pipeline {
        super::ci::write_pipeline(
            ctx,
            ci_path,
            p.default_path(),
            ci_text,
            pipeline,
            false,
            true,
            *p,
        )?;
        ctx.printer.info(format!(
            "next: set ci.install in {shown} (how the jobs get tug), then `tug ci {}` rewrites the pipeline",
            p.name()
        ));
    }
    ctx.printer.info("next: review it, then run `tug check`");
    ctx.printer.event(
        "created",
        serde_json::json!({ "path": path, "project": name }),
    );
    Ok(ExitCode::Success)
}

/// The commented `ci:` section `tug init --ci` appends: tug cannot know how the user's runners
/// get tug, so it says what to set.
fn ci_section(provider: Provider) -> String {
    format!(
        "\n# How the jobs of the release pipeline (`tug ci {name}`, {path}) get tug. Until install\n\
         # is set, every job fails at \"Install tug\", saying so; after changing this section, run\n\
         # `tug ci {name}` again (`tug ci {name} --check` tells when the pipeline is stale).\n\
         # ci:\n\
         #   install: cargo install --locked --git <tug's repository URL> --tag v{version} tug\n\
         #   image: {image}   # GitLab: the jobs' image (Go, git, what install needs)\n",
        name = provider.name(),
        path = provider.default_path(),
        version = env!("CARGO_PKG_VERSION"),
        image = crate::config::ci::DEFAULT_IMAGE,
    )
}

/// Add tug's output directory `dist` (relative to `root`) to `root/.gitignore` unless git (or the
/// file, outside a repository) already ignores it. Returns the line added.
fn ignore_output(root: &std::path::Path, dist: &std::path::Path) -> anyhow::Result<Option<String>> {
    let rel = dist.to_string_lossy().trim_matches('/').to_string();
    let line = format!("/{rel}/");
    let path = root.join(".gitignore");
    let mut text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(
                crate::Error::failure(format!("cannot read {}", path.display()))
                    .with_source(e)
                    .into(),
            )
        }
    };
    let listed = text
        .lines()
        .map(str::trim)
        .any(|l| [rel.as_str(), &format!("{rel}/"), &format!("/{rel}"), &line].contains(&l));
    let ignored = git2::Repository::discover(root).ok().is_some_and(|repo| {
        let Some(rel_root) = repo
            .workdir()
            .and_then(|w| w.canonicalize().ok())
            .zip(root.canonicalize().ok())
            .and_then(|(w, r)| r.strip_prefix(&w).ok().map(|p| p.join(&rel)))
        else {
            return false;
        };
        repo.is_path_ignored(rel_root.join("x")).unwrap_or(false)
    });
    if listed || ignored {
        return Ok(None);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("# tug's output (tug build)\n{line}\n"));
    crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| {
        crate::Error::failure(format!("cannot write {}", path.display())).with_source(e)
    })?;
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commented-out YAML of the template's optional part, uncommented: lines `# key:` and
    /// indented `#   ...` (prose comments start with a word that is not a key).
    fn uncommented_examples(text: &str) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("# ") else {
                continue;
            };
            let first = rest.split_whitespace().next().unwrap_or("");
            let is_key = first.ends_with(':')
                && first[..first.len() - 1]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_');
            if rest.starts_with("  ") || is_key {
                out.push_str(rest);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn rendered_configs_are_valid() {
        let go = ProjectKind::Go {
            module: "example.com/hello".into(),
            mains: vec!["./cmd/hello".into()],
        };
        let rust = ProjectKind::Rust {
            package: "tool".into(),
            bins: vec!["tool".into()],
        };
        for kind in [Some(&go), Some(&rust), None] {
            let text = render("hello", kind).unwrap();
            let (config, _) =
                crate::config::parse(std::path::Path::new("tug.yaml"), &text).unwrap();
            assert_eq!(config.project.name.unwrap().value, "hello");
            assert!(
                text.contains("version_template: \"{{ version }}-snapshot+{{ short_commit }}\"")
            );
        }
        let text = render("hello", Some(&go)).unwrap();
        assert!(text.contains("#   ./cmd/hello\n"), "{text}");
        // The commented examples are valid too: uncommented, every section parses and validates.
        let (head, optional) = text.split_once("# Everything below is optional").unwrap();
        let code = uncommented_examples(optional);
        assert!(code.contains("environments:\n  staging:\n"), "{code}");
        let (config, _) =
            crate::config::parse(std::path::Path::new("tug.yaml"), &format!("{head}\n{code}"))
                .unwrap_or_else(|e| panic!("{e}\n{code}"));
        assert_eq!(config.builds.len(), 1);
        assert_eq!(config.publish.len(), 1);
        assert!(config.sign.is_some());
        assert_eq!(config.environments["staging"].target.hosts.len(), 2);
        assert!(text.contains("    - CGO_ENABLED=0\n"));
    }
}
