//! Registry credentials found where Docker and the other OCI clients find them: the environment
//! (`TUG_REGISTRY_USERNAME`/`TUG_REGISTRY_PASSWORD`), then the Docker config file: the
//! `docker-credential-<name>` helper of `credHelpers.<host>` or `credsStore`, else
//! `auths.<host>`. A login is either a user name and password or an identity token (an OAuth2
//! refresh token that `docker login` stores as `identitytoken` for registries with a token
//! server, and that a helper returns as the user `<token>`); `oci/token.rs` decides how each is
//! presented to the registry.
//!
//! Why it exists apart from the registry client: reading files and running helper programs is a
//! job of its own, with its own failure modes (a malformed `config.json`, a failing helper), and
//! none of them may fall back to anonymous access silently. Secrets never reach a message, a log
//! line or a `Debug` rendering ([`crate::redact::MASK`] stands in for them).

use base64::Engine as _;

use super::super::PublishError;
use crate::config::env::EnvSnapshot;

/// What a login holds.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// A user name and password: HTTP Basic auth, or a token server's `GET` with Basic auth.
    Password { user: String, password: String },
    /// An OAuth2 refresh token for the registry's token server (`grant_type=refresh_token`).
    IdentityToken(String),
}

/// A registry login and where it came from (a file, a helper program or the environment).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub secret: Secret,
    pub source: String,
}

impl Credentials {
    /// How messages name these credentials, without the secret: `the credentials of "alice" (from
    /// …)` or `the identity token from …`.
    pub fn describe(&self) -> String {
        match &self.secret {
            Secret::Password { user, .. } => {
                format!("the credentials of {user:?} (from {})", self.source)
            }
            Secret::IdentityToken(_) => format!("the identity token from {}", self.source),
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Password { user, .. } => f
                .debug_struct("Password")
                .field("user", user)
                .field("password", &crate::redact::MASK)
                .finish(),
            Secret::IdentityToken(_) => f
                .debug_tuple("IdentityToken")
                .field(&crate::redact::MASK)
                .finish(),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("secret", &self.secret)
            .field("source", &self.source)
            .finish()
    }
}

/// The login for a registry, from `env` (the run's environment):
/// `TUG_REGISTRY_USERNAME`/`TUG_REGISTRY_PASSWORD`, else `$DOCKER_CONFIG/config.json` or
/// `$HOME/.docker/config.json` as Docker reads it: the credential helper of `credHelpers.<host>`
/// or `credsStore` when one is named, else `auths.<host>` (`identitytoken`, else `auth`). A
/// missing Docker config means "no credentials" (anonymous access); one that exists but cannot be
/// read is an error.
pub fn credentials(registry: &str, env: &EnvSnapshot) -> Result<Option<Credentials>, PublishError> {
    if let (Some(user), Some(password)) = (
        env.get("TUG_REGISTRY_USERNAME"),
        env.get("TUG_REGISTRY_PASSWORD"),
    ) {
        tracing::debug!(
            registry,
            user,
            "registry credentials from TUG_REGISTRY_USERNAME/PASSWORD"
        );
        return Ok(Some(Credentials {
            secret: Secret::Password {
                user: user.to_string(),
                password: password.to_string(),
            },
            source: "TUG_REGISTRY_USERNAME/TUG_REGISTRY_PASSWORD".into(),
        }));
    }
    let Some(dir) = env
        .path("DOCKER_CONFIG")
        .or_else(|| env.path("HOME").map(|h| h.join(".docker")))
    else {
        return Ok(None);
    };
    let file = dir.join("config.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::debug!(registry, file = %file.display(), "no Docker config: anonymous");
            return Ok(None);
        }
        Err(e) => return Err(PublishError::io("reading the Docker config", &file, e)),
    };
    let malformed = |message| PublishError::Other {
        what: format!("reading the Docker config {}", file.display()),
        message,
    };
    if let Some(helper) = docker_config_helper(&text, registry).map_err(malformed)? {
        return credential_helper(&helper, registry, env);
    }
    let found = docker_config_auth(&text, registry)
        .map_err(malformed)?
        .map(|secret| Credentials {
            secret,
            source: file.display().to_string(),
        });
    tracing::debug!(
        registry,
        file = %file.display(),
        login = found.as_ref().map(|c| kind(&c.secret)),
        "registry credentials from the Docker config"
    );
    Ok(found)
}

/// What a login is, for log lines (never the secret).
fn kind(secret: &Secret) -> String {
    match secret {
        Secret::Password { user, .. } => format!("user {user:?}"),
        Secret::IdentityToken(_) => "an identity token".into(),
    }
}

/// The credential helper a Docker config names for `registry`, as Docker picks it:
/// `credHelpers.<registry>`, else `credsStore`. Malformed entries are errors.
pub fn docker_config_helper(config_json: &str, registry: &str) -> Result<Option<String>, String> {
    let config: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))?;
    if let Some(helpers) = config.get("credHelpers") {
        let helpers = helpers
            .as_object()
            .ok_or("`credHelpers` is not an object")?;
        if let Some(name) = helpers.get(registry) {
            return name
                .as_str()
                .filter(|n| !n.is_empty())
                .map(|n| Some(n.to_string()))
                .ok_or_else(|| format!("`credHelpers.{registry}` is not a helper name"));
        }
    }
    match config.get("credsStore") {
        None => Ok(None),
        Some(serde_json::Value::String(n)) if n.is_empty() => Ok(None),
        Some(serde_json::Value::String(n)) => Ok(Some(n.clone())),
        Some(_) => Err("`credsStore` is not a helper name".into()),
    }
}

/// The user name with which a credential helper says its secret is an identity token.
const TOKEN_USER: &str = "<token>";

/// Ask `docker-credential-<helper> get` for `registry`'s credentials (the Docker credential
/// helper protocol: the server on stdin, `{"Username", "Secret"}` JSON on stdout; the user
/// `<token>` means the secret is an identity token). The helper runs with the run's environment
/// only. "credentials not found" means anonymous access.
fn credential_helper(
    helper: &str,
    registry: &str,
    env: &EnvSnapshot,
) -> Result<Option<Credentials>, PublishError> {
    use std::io::Write as _;
    let program = format!("docker-credential-{helper}");
    let what = format!("asking the Docker credential helper {program} for {registry}");
    let fail = |message: String| PublishError::Other {
        what: what.clone(),
        message,
    };
    // Docker Hub's credentials are stored under its legacy index URL.
    let server = if registry == "registry-1.docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .env_clear()
        .envs(env.vars())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| PublishError::io(&what, std::path::Path::new(&program), e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading (it failed) closes the pipe: its exit status and
        // output below say why, not the broken pipe.
        match stdin.write_all(server.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(PublishError::io(&what, std::path::Path::new(&program), e))
            }
            _ => {}
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| PublishError::io(&what, std::path::Path::new(&program), e))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        if stdout.contains("credentials not found") {
            tracing::debug!(registry, helper, "credential helper has nothing: anonymous");
            return Ok(None);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = [stdout.trim(), stderr.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("no output")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        return Err(fail(format!("it failed ({}): {said}", out.status)));
    }
    let reply: serde_json::Value = serde_json::from_str(&stdout)
        .map_err(|_| fail("its answer is not the helper protocol's JSON".into()))?;
    let (Some(user), Some(secret)) = (reply["Username"].as_str(), reply["Secret"].as_str()) else {
        return Err(fail("its answer has no Username and Secret".into()));
    };
    let secret = if user == TOKEN_USER {
        if secret.is_empty() {
            return Err(fail(
                "it answered the user <token> with an empty identity token".into(),
            ));
        }
        Secret::IdentityToken(secret.to_string())
    } else {
        Secret::Password {
            user: user.to_string(),
            password: secret.to_string(),
        }
    };
    tracing::debug!(
        registry,
        helper,
        login = kind(&secret),
        "registry credentials from a credential helper"
    );
    Ok(Some(Credentials {
        secret,
        source: program,
    }))
}

/// The login for `registry` in a Docker config file's `auths`: its `identitytoken` when it has
/// one (as Docker uses it: the token wins over `auth`, which `docker login` then leaves without
/// a password), else the user and password of `auth`; `Ok(None)` when the file has no entry for
/// it (or the entry has neither, as with a credential helper); an error naming what is wrong when
/// the file or the entry is malformed (never silently anonymous). Messages never contain the
/// credentials.
pub fn docker_config_auth(config_json: &str, registry: &str) -> Result<Option<Secret>, String> {
    let config: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))?;
    let Some(auths) = config.get("auths") else {
        return Ok(None);
    };
    let auths = auths
        .as_object()
        .ok_or_else(|| "`auths` is not an object".to_string())?;
    let wanted = [
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
        if registry == "registry-1.docker.io" {
            "https://index.docker.io/v1/".into()
        } else {
            String::new()
        },
    ];
    let Some((key, entry)) = auths.iter().find(|(k, _)| {
        wanted
            .iter()
            .any(|w| !w.is_empty() && k.trim_end_matches('/') == w.trim_end_matches('/'))
    }) else {
        return Ok(None);
    };
    match entry.get("identitytoken") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(t)) if t.is_empty() => {}
        Some(serde_json::Value::String(t)) => return Ok(Some(Secret::IdentityToken(t.clone()))),
        Some(_) => return Err(format!("`auths.{key}.identitytoken` is not a string")),
    }
    let bad = |why: &str| format!("`auths.{key}.auth` {why}");
    let Some(encoded) = entry.get("auth") else {
        return Ok(None);
    };
    let encoded = encoded.as_str().ok_or_else(|| bad("is not a string"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| bad("is not base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8 text"))?;
    let (u, p) = text
        .split_once(':')
        .ok_or_else(|| bad("is not base64 of `user:password`"))?;
    Ok(Some(Secret::Password {
        user: u.to_string(),
        password: p.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(user: &str, password: &str) -> Option<Secret> {
        Some(Secret::Password {
            user: user.into(),
            password: password.into(),
        })
    }

    #[test]
    fn picks_the_credential_helper_as_docker_does() {
        let cfg = r#"{"credsStore": "desktop", "credHelpers": {"ghcr.io": "gh"}}"#;
        assert_eq!(
            docker_config_helper(cfg, "ghcr.io").unwrap(),
            Some("gh".into())
        );
        assert_eq!(
            docker_config_helper(cfg, "quay.io").unwrap(),
            Some("desktop".into())
        );
        assert_eq!(
            docker_config_helper(r#"{"auths": {}}"#, "quay.io").unwrap(),
            None
        );
        assert_eq!(
            docker_config_helper(r#"{"credsStore": ""}"#, "quay.io").unwrap(),
            None
        );
        assert!(docker_config_helper(r#"{"credsStore": 1}"#, "quay.io").is_err());
        assert!(docker_config_helper(r#"{"credHelpers": {"quay.io": ""}}"#, "quay.io").is_err());
        assert!(docker_config_helper("{", "quay.io").is_err());
    }

    #[test]
    fn reads_docker_config_auths() {
        let auth = base64::engine::general_purpose::STANDARD.encode("me:s3cret");
        let cfg = format!(r#"{{"auths":{{"https://reg.example:5000":{{"auth":"{auth}"}}}}}}"#);
        assert_eq!(
            docker_config_auth(&cfg, "reg.example:5000"),
            Ok(password("me", "s3cret"))
        );
        assert_eq!(docker_config_auth(&cfg, "other.example"), Ok(None));
        assert_eq!(
            docker_config_auth(r#"{"credsStore":"desktop"}"#, "x"),
            Ok(None)
        );
        // Malformed: an error naming the problem, without the credentials.
        let err = docker_config_auth("{not json", "reg.example:5000").unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
        let cfg = r#"{"auths":{"reg.example:5000":{"auth":"!!!"}}}"#;
        let err = docker_config_auth(cfg, "reg.example:5000").unwrap_err();
        assert!(err.contains("is not base64"), "{err}");
        let nocolon = base64::engine::general_purpose::STANDARD.encode("s3cret");
        let cfg = format!(r#"{{"auths":{{"reg.example:5000":{{"auth":"{nocolon}"}}}}}}"#);
        let err = docker_config_auth(&cfg, "reg.example:5000").unwrap_err();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn an_identity_token_wins_over_auth_as_in_docker() {
        // What `docker login` writes for a token server that issues refresh tokens: the user
        // without a password in `auth`, and the token.
        let auth = base64::engine::general_purpose::STANDARD.encode("me:");
        let cfg = format!(
            r#"{{"auths":{{"reg.example:5000":{{"auth":"{auth}","identitytoken":"refresh-s3cret"}}}}}}"#
        );
        assert_eq!(
            docker_config_auth(&cfg, "reg.example:5000"),
            Ok(Some(Secret::IdentityToken("refresh-s3cret".into())))
        );
        let cfg = r#"{"auths":{"reg.example:5000":{"identitytoken":"refresh-s3cret"}}}"#;
        assert_eq!(
            docker_config_auth(cfg, "reg.example:5000"),
            Ok(Some(Secret::IdentityToken("refresh-s3cret".into())))
        );
        // An empty token is no token.
        let cfg = format!(r#"{{"auths":{{"r.example":{{"auth":"{auth}","identitytoken":""}}}}}}"#);
        assert_eq!(
            docker_config_auth(&cfg, "r.example"),
            Ok(password("me", ""))
        );
        let err = docker_config_auth(
            r#"{"auths":{"r.example":{"identitytoken":7}}}"#,
            "r.example",
        )
        .unwrap_err();
        assert!(err.contains("identitytoken` is not a string"), "{err}");
    }

    #[test]
    fn secrets_stay_out_of_debug_and_descriptions() {
        let token = Credentials {
            secret: Secret::IdentityToken("refresh-s3cret".into()),
            source: "/home/me/.docker/config.json".into(),
        };
        let login = Credentials {
            secret: Secret::Password {
                user: "alice".into(),
                password: "hunter2-pass".into(),
            },
            source: "docker-credential-gh".into(),
        };
        for c in [&token, &login] {
            for text in [format!("{c:?}"), c.describe()] {
                assert!(
                    !text.contains("refresh-s3cret") && !text.contains("hunter2-pass"),
                    "{text}"
                );
            }
        }
        assert_eq!(
            token.describe(),
            "the identity token from /home/me/.docker/config.json"
        );
        assert_eq!(
            login.describe(),
            "the credentials of \"alice\" (from docker-credential-gh)"
        );
    }
}
