//! Keeping secrets out of diagnostics: which names look secret, URLs without credentials, and the
//! scrubber the log writer runs every line through.
//!
//! Why it exists: `-v`/`-vv` and `TUG_LOG` show command lines, environment overrides and request
//! URLs, and any of them can carry a token (`GITHUB_TOKEN=...` for a hook, `https://user:pw@host`,
//! `?access_token=...`, an http publisher's URL templated from `{{ env.TOKEN }}`). Fields are
//! redacted where they are logged ([`env_value`], [`url`]); as a last line of defence the log
//! writer replaces the value of every secret-looking variable of the run's environment
//! ([`Scrubber`]), so a secret that reached a message some other way still never prints.

use std::borrow::Cow;

/// What a redacted value is shown as.
pub const MASK: &str = "****";

/// The shortest value the [`Scrubber`] masks.
pub const MIN_SCRUBBED: usize = 8;

/// Whether an environment variable, header or query parameter named `name` holds a secret:
/// its name mentions a token, password, secret, key, credential or authorization.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "KEY",
        "CREDENTIAL",
        "AUTH",
        "SIGNATURE",
        "COOKIE",
        "SESSION",
        "PASS",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// `value`, or [`MASK`] when `name` looks secret.
pub fn env_value<'a>(name: &str, value: &'a str) -> &'a str {
    if is_secret_name(name) {
        MASK
    } else {
        value
    }
}

/// `url` without a password in its user info and with the values of secret-looking query
/// parameters masked (`https://u:****@host/p?token=****&name=x`). Text that is not a URL comes
/// back unchanged.
pub fn url(text: &str) -> Cow<'_, str> {
    let Ok(mut parsed) = reqwest::Url::parse(text) else {
        return Cow::Borrowed(text);
    };
    let mut changed = false;
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some(MASK));
        changed = true;
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_name(&k) {
                    changed = true;
                    MASK.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        if changed {
            parsed.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    if changed {
        Cow::Owned(parsed.to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// Replaces known secret values in text (the values of the run's secret-looking environment
/// variables). Values shorter than [`MIN_SCRUBBED`] bytes are not scrubbed: they would mask
/// ordinary words (a test's `COSIGN_PASSWORD=wrong` must not turn "wrong password" into
/// "**** password"); such values are kept out by the field-level redaction alone.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    /// Scrub the values of every secret-looking variable among `vars`.
    pub fn from_env<'a>(vars: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        let mut secrets: Vec<String> = vars
            .into_iter()
            .filter(|(k, v)| is_secret_name(k) && v.len() >= MIN_SCRUBBED)
            .map(|(_, v)| v.clone())
            .collect();
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Scrubber { secrets }
    }

    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), MASK));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "GITHUB_TOKEN",
            "COSIGN_PASSWORD",
            "TUG_REGISTRY_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "Authorization",
            "x-api-key",
            "access_token",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["GOOS", "CGO_ENABLED", "PATH", "HOME", "name"] {
            assert!(!is_secret_name(n), "{n}");
        }
        assert_eq!(env_value("GITHUB_TOKEN", "ghp_x"), MASK);
        assert_eq!(env_value("GOOS", "linux"), "linux");
    }

    #[test]
    fn urls_lose_passwords_and_query_tokens() {
        assert_eq!(
            url("https://me:hunter2@reg.example/v2/x?name=a&access_token=abc"),
            "https://me:****@reg.example/v2/x?name=a&access_token=****"
        );
        assert_eq!(
            url("http://127.0.0.1:5000/v2/"),
            "http://127.0.0.1:5000/v2/"
        );
        assert_eq!(url("not a url"), "not a url");
    }

    #[test]
    fn the_scrubber_masks_secret_values_only() {
        let vars: Vec<(String, String)> = vec![
            ("MY_TOKEN".into(), "tok-123456".into()),
            ("SHORT_KEY".into(), "wrong".into()),
            ("GOOS".into(), "linux".into()),
        ];
        let s = Scrubber::from_env(vars.iter().map(|(k, v)| (k, v)));
        assert_eq!(
            s.scrub("GET /x?t=tok-123456 linux: wrong password"),
            "GET /x?t=**** linux: wrong password"
        );
    }
}
