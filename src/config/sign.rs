//! The `sign:` section of tug.yaml, read by the sign engine (`tug sign`, `tug verify`).
//!
//! Signing today uses a cosign key pair. Every reference to secret material is indirect (a file
//! path or `env://VAR`), so tug.yaml never holds a secret. The shape stays open for keyless
//! signing (Fulcio certificate + Rekor entry via OIDC): that will arrive as a separate
//! `keyless:` block, mutually exclusive with `key`, behind a cargo feature; it is not accepted
//! yet, and `deny_unknown_fields` makes a config that asks for it fail loudly instead of
//! silently signing with a key.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Spanned, Validator};
use crate::manifest::ArtifactKind;
use crate::sign::KeySource;

/// The default private key file (relative to the project directory), as cosign names it.
pub const DEFAULT_KEY: &str = "cosign.key";
/// The default public key file.
pub const DEFAULT_PUBLIC_KEY: &str = "cosign.pub";
/// The environment variable holding the key password, as cosign names it.
pub const DEFAULT_PASSWORD_ENV: &str = "COSIGN_PASSWORD";

/// Which artifacts `tug sign` signs.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SignArtifacts {
    /// Only the checksums file (it covers every artifact it lists): the default.
    #[default]
    Checksums,
    /// Every archive.
    Archives,
    /// Every binary.
    Binaries,
    /// Every file of the release (binaries, archives, checksums, notes, SBOMs).
    All,
}

impl SignArtifacts {
    /// Does this selection sign artifacts of `kind`?
    pub fn includes(self, kind: ArtifactKind) -> bool {
        use ArtifactKind as K;
        match self {
            SignArtifacts::Checksums => kind == K::Checksums,
            SignArtifacts::Archives => kind == K::Archive,
            SignArtifacts::Binaries => kind == K::Binary,
            // The provenance is a signed envelope itself (`tug sign` writes it last).
            SignArtifacts::All => {
                !matches!(kind, K::Signature | K::Bundle | K::Image | K::Provenance)
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignArtifacts::Checksums => "checksums",
            SignArtifacts::Archives => "archives",
            SignArtifacts::Binaries => "binaries",
            SignArtifacts::All => "all",
        }
    }
}

/// `sign:`: how release artifacts are signed (cosign compatible).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignConfig {
    /// The cosign private key: a file path (relative to tug.yaml) or `env://VAR` holding the PEM
    /// text (for CI secrets). Default: `cosign.key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub key: Option<Spanned<String>>,
    /// The key's password: `env://VAR` or a file path holding it (one trailing newline is
    /// ignored). Default: `env://COSIGN_PASSWORD`, else a prompt on a terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub password: Option<Spanned<String>>,
    /// The public key `tug verify` (and rollout) check signatures with: a file path or `env://VAR`.
    /// Default: `cosign.pub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub public_key: Option<Spanned<String>>,
    /// What to sign: `checksums` (default), `archives`, `binaries` or `all`.
    #[serde(default)]
    pub artifacts: SignArtifacts,
}

impl SignConfig {
    /// Report malformed key and password references at their location.
    pub fn validate(&self, v: &mut Validator) {
        let base = Path::new(".");
        for (field, value) in [
            ("key", &self.key),
            ("password", &self.password),
            ("public_key", &self.public_key),
        ] {
            if let Some(spanned) = value {
                if let Err(msg) = KeySource::parse(&spanned.value, base) {
                    v.error(
                        spanned.referenced,
                        format!("sign.{field}: {msg}"),
                        Some("write a file path (relative to tug.yaml) or env://VAR".into()),
                    );
                }
            }
        }
    }

    fn source(value: &Option<Spanned<String>>, default: &str, base: &Path) -> KeySource {
        match value {
            // Validation has reported a malformed reference; treat it as a path so the
            // resulting "cannot read" names exactly what the user wrote.
            Some(s) => KeySource::parse(&s.value, base)
                .unwrap_or_else(|_| KeySource::File(base.join(&s.value))),
            None => KeySource::parse(default, base).expect("default reference is valid"),
        }
    }

    /// The private key reference, relative paths resolved against `base` (tug.yaml's directory).
    pub fn key_source(&self, base: &Path) -> KeySource {
        Self::source(&self.key, DEFAULT_KEY, base)
    }

    /// The public key reference.
    pub fn public_key_source(&self, base: &Path) -> KeySource {
        Self::source(&self.public_key, DEFAULT_PUBLIC_KEY, base)
    }

    /// The password reference, if configured (the default is `COSIGN_PASSWORD`, then a prompt).
    pub fn password_source(&self, base: &Path) -> Option<KeySource> {
        self.password
            .as_ref()
            .map(|_| Self::source(&self.password, "", base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_defaults() {
        let cfg: SignConfig = serde_saphyr::from_str(
            "key: env://TUG_SIGNING_KEY\npassword: env://TUG_KEY_PASSWORD\nartifacts: all\n",
        )
        .unwrap();
        let base = Path::new("/p");
        assert_eq!(
            cfg.key_source(base),
            KeySource::Env("TUG_SIGNING_KEY".into())
        );
        assert_eq!(
            cfg.password_source(base),
            Some(KeySource::Env("TUG_KEY_PASSWORD".into()))
        );
        assert_eq!(
            cfg.public_key_source(base),
            KeySource::File("/p/cosign.pub".into())
        );
        assert_eq!(cfg.artifacts, SignArtifacts::All);
        let empty = SignConfig::default();
        assert_eq!(
            empty.key_source(base),
            KeySource::File("/p/cosign.key".into())
        );
        assert_eq!(empty.password_source(base), None);
        assert_eq!(empty.artifacts, SignArtifacts::Checksums);
    }

    #[test]
    fn rejects_unknown_fields_and_bad_references() {
        assert!(serde_saphyr::from_str::<SignConfig>("keyless: true\n").is_err());
        assert!(serde_saphyr::from_str::<SignConfig>("artifacts: everything\n").is_err());
        let cfg: SignConfig = serde_saphyr::from_str("key: env://\npublic_key: kms://x\n").unwrap();
        let mut v = Validator::new(Path::new("tug.yaml"));
        cfg.validate(&mut v);
        assert_eq!(v.diagnostics.len(), 2, "{:?}", v.diagnostics);
        assert_eq!(v.diagnostics[0].line, 1);
        assert!(v.diagnostics[0].message.starts_with("sign.key:"));
        assert_eq!(v.diagnostics[1].line, 2);
    }

    #[test]
    fn selection_kinds() {
        assert!(SignArtifacts::Checksums.includes(ArtifactKind::Checksums));
        assert!(!SignArtifacts::Checksums.includes(ArtifactKind::Archive));
        assert!(SignArtifacts::All.includes(ArtifactKind::Binary));
        assert!(!SignArtifacts::All.includes(ArtifactKind::Signature));
        assert!(!SignArtifacts::All.includes(ArtifactKind::Image));
    }
}
