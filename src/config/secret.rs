//! Secret references: the only tug.yaml values where `${VAR}` is expanded. Fields documented as
//! secret references (signing key, key password, tokens) hold a *reference* — `${VAR}`,
//! `env://VAR` or `file://path` — never the secret itself, so tug.yaml can be committed and the
//! secret stays in the CI's environment or a mounted file. Resolved values are never printed:
//! errors name the variable or file, not its content.

use std::path::{Path, PathBuf};

/// Why a secret reference could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {0} is not set (referenced by a secret)")]
    Unset(String),
    #[error("invalid secret reference `{0}`: expected `${{VAR}}`, `env://VAR` or `file://path`")]
    Invalid(String),
    #[error("cannot read secret file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SecretError {
    pub fn hint(&self) -> &'static str {
        match self {
            SecretError::Unset(_) => "export the variable (in CI: add it as a secret of the job)",
            SecretError::Invalid(_) => "variable names use letters, digits and `_`",
            SecretError::Read { .. } => {
                "check the path and its permissions (relative paths start at tug.yaml's directory)"
            }
        }
    }
}

impl crate::error::Diagnostic for SecretError {
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Usage
    }
    fn hint(&self) -> Option<String> {
        Some(SecretError::hint(self).to_string())
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Resolve a secret reference from the run's environment snapshot; `file://` paths are relative
/// to `base` (tug.yaml's directory). Text without a reference is returned as it is.
pub fn expand_secret_ref(
    reference: &str,
    base: &Path,
    env: &crate::config::env::EnvSnapshot,
) -> Result<String, SecretError> {
    expand_secret_ref_with(reference, base, &|name| env.get(name).map(str::to_string))
}

/// [`expand_secret_ref`] with an explicit base directory for `file://` and an environment lookup.
pub fn expand_secret_ref_with(
    reference: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, SecretError> {
    if let Some(name) = reference.strip_prefix("env://") {
        if !valid_name(name) {
            return Err(SecretError::Invalid(reference.into()));
        }
        return env(name).ok_or_else(|| SecretError::Unset(name.into()));
    }
    if let Some(path) = reference.strip_prefix("file://") {
        let path = base.join(path);
        let text =
            std::fs::read_to_string(&path).map_err(|source| SecretError::Read { path, source })?;
        return Ok(text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text)
            .to_string());
    }
    let mut out = String::new();
    let mut rest = reference;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| SecretError::Invalid(reference.into()))?;
        let name = &after[..end];
        if !valid_name(name) {
            return Err(SecretError::Invalid(reference.into()));
        }
        out.push_str(&env(name).ok_or_else(|| SecretError::Unset(name.into()))?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "s3cret".to_string())
    }

    #[test]
    fn expands_all_reference_forms() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw"), "hunter2\n").unwrap();
        let x = |s: &str| expand_secret_ref_with(s, dir.path(), &env);
        assert_eq!(x("${TOKEN}").unwrap(), "s3cret");
        assert_eq!(x("Bearer ${TOKEN}!").unwrap(), "Bearer s3cret!");
        assert_eq!(x("env://TOKEN").unwrap(), "s3cret");
        assert_eq!(x("file://pw").unwrap(), "hunter2");
        assert_eq!(x("plain").unwrap(), "plain");
    }

    #[test]
    fn an_unreadable_secret_file_keeps_its_cause() {
        let err =
            expand_secret_ref_with("file://nope", Path::new("/nonexistent"), &env).unwrap_err();
        let err = anyhow::Error::from(crate::Error::from(err));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(chain[0], "cannot read secret file /nonexistent/nope");
        assert!(chain[1].contains("No such file"), "{chain:?}");
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Usage);
    }

    #[test]
    fn errors_name_the_reference_not_the_value() {
        let x = |s: &str| expand_secret_ref_with(s, Path::new("/nonexistent"), &env);
        assert_eq!(
            x("${MISSING}").unwrap_err().to_string(),
            "environment variable MISSING is not set (referenced by a secret)"
        );
        assert!(matches!(x("env://MISSING"), Err(SecretError::Unset(_))));
        assert!(matches!(x("${TOKEN"), Err(SecretError::Invalid(_))));
        assert!(matches!(x("${A-B}"), Err(SecretError::Invalid(_))));
        assert!(matches!(x("file://nope"), Err(SecretError::Read { .. })));
    }
}
