//! How a registry login is presented after a `401`: the `WWW-Authenticate` challenge parsed, and
//! the `Authorization` value it asks for. `Basic` takes a user name and password; `Bearer
//! realm=...,service=...,scope=...` sends the client to a token server (the distribution spec's
//! token authentication): a user name and password (or nothing, anonymously) go there with a `GET`
//! and Basic auth, an identity token with the OAuth2 refresh-token grant, a form-encoded `POST`
//! (`grant_type=refresh_token&refresh_token=...&service=...&scope=...&client_id=tug`); either way
//! the token that comes back is the bearer token.
//!
//! Why it exists apart from the registry client: the token protocols are a job of their own,
//! with their own failures (a refused identity token names the registry, where it came from and
//! how to renew it). Neither the identity token nor the tokens the server issues are ever logged
//! or put in a message: `client::send` logs method, URL and status only, and a request body is
//! never logged.

use base64::Engine as _;
use reqwest::StatusCode;

use super::super::client::send;
use super::super::retry::{self, Failure};
use super::super::PublishError;
use super::creds::{Credentials, Secret};

/// The OAuth2 `client_id` tug names itself with (the spec asks for a meaningful value, for the
/// token server's audit log; it needs no registration).
pub const CLIENT_ID: &str = "tug";

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut realm = None;
    let mut service = None;
    let mut scope = None;
    // key="value" pairs; values may contain commas (scopes), so split on `",`.
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (
                &quoted[..end],
                quoted[end + 1..].trim_start_matches([',', ' ']),
            )
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], after[end..].trim_start_matches([',', ' ']))
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "realm" => realm = Some(value.to_string()),
            "service" => service = Some(value.to_string()),
            "scope" => scope = Some(value.to_string()),
            _ => {}
        }
        rest = next;
    }
    Some(Challenge::Bearer {
        realm: realm?,
        service,
        scope,
    })
}

/// The `Authorization` header value that answers `challenge` for `registry` with `creds` (or
/// anonymously): `Basic ...`, or `Bearer <token>` from the challenge's token server.
/// `default_scope` is asked for when the challenge names none (a `401` on `/v2/`).
pub async fn authorization(
    client: &reqwest::Client,
    registry: &str,
    creds: Option<&Credentials>,
    challenge: Option<Challenge>,
    default_scope: &str,
) -> Result<String, Failure> {
    let what = format!("registry {registry}");
    match challenge {
        Some(Challenge::Basic) => match creds.map(|c| (&c.secret, c)) {
            Some((Secret::Password { user, password }, _)) => Ok(basic(user, password)),
            Some((Secret::IdentityToken(_), c)) => Err(Failure::Fatal(PublishError::Auth {
                what,
                message: format!(
                    "the registry wants a user name and password (Basic auth), and {} is an identity token, which only a token server takes",
                    c.describe()
                ),
            })),
            None => Err(Failure::Fatal(PublishError::Auth {
                what,
                message: "the registry wants a user name and password and none is configured"
                    .into(),
            })),
        },
        Some(Challenge::Bearer {
            realm,
            service,
            scope,
        }) => {
            let scope = scope.unwrap_or_else(|| default_scope.to_string());
            let token = match creds {
                Some(c @ Credentials {
                    secret: Secret::IdentityToken(refresh),
                    ..
                }) => refresh_grant(client, registry, c, refresh, &realm, service.as_deref(), &scope).await?,
                _ => token_get(client, registry, creds, &realm, service.as_deref(), &scope).await?,
            };
            Ok(format!("Bearer {token}"))
        }
        None => Err(Failure::Fatal(PublishError::Auth {
            what,
            message: "401 Unauthorized without a usable WWW-Authenticate challenge".into(),
        })),
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The token spec's `GET <realm>?service=...&scope=...` (one `scope` parameter per scope of the
/// challenge), with Basic auth when there is a user name and password.
async fn token_get(
    client: &reqwest::Client,
    registry: &str,
    creds: Option<&Credentials>,
    realm: &str,
    service: Option<&str>,
    scope: &str,
) -> Result<String, Failure> {
    let mut rb = client.get(realm);
    if let Some(service) = service {
        rb = rb.query(&[("service", service)]);
    }
    for one in scope.split_whitespace() {
        rb = rb.query(&[("scope", one)]);
    }
    if let Some(Credentials {
        secret: Secret::Password { user, password },
        ..
    }) = creds
    {
        rb = rb.header(reqwest::header::AUTHORIZATION, basic(user, password));
    }
    let resp = send(rb).await?;
    if let Some(t) = retry::transient_status(&resp) {
        return Err(t);
    }
    let what = format!("registry {registry}");
    if !resp.status().is_success() {
        return Err(Failure::Fatal(PublishError::Auth {
            what,
            message: format!("token endpoint {realm} answered {}", resp.status()),
        }));
    }
    issued_token(&what, resp).await
}

/// The OAuth2 refresh-token grant (the distribution spec's `oauth.md`): a form-encoded `POST` to
/// the realm with the identity token as `refresh_token`. A token server without OAuth2 (`404`,
/// `405`) cannot take an identity token; one that refuses it (`400 invalid_grant`, `401`) is
/// named with where the token came from.
async fn refresh_grant(
    client: &reqwest::Client,
    registry: &str,
    creds: &Credentials,
    refresh: &str,
    realm: &str,
    service: Option<&str>,
    scope: &str,
) -> Result<String, Failure> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", CLIENT_ID),
    ];
    if let Some(service) = service {
        form.push(("service", service));
    }
    if !scope.is_empty() {
        form.push(("scope", scope));
    }
    let resp = send(client.post(realm).form(&form)).await?;
    if let Some(t) = retry::transient_status(&resp) {
        return Err(t);
    }
    let status = resp.status();
    if !status.is_success() {
        let detail = if matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        ) {
            format!("{status}: it does not take the OAuth2 POST an identity token needs")
        } else {
            // The OAuth2 error code (`invalid_grant`...) says why; its free text could echo what
            // was sent, so only a well-formed code is shown.
            let body: serde_json::Value =
                serde_json::from_str(&resp.text().await.unwrap_or_default()).unwrap_or_default();
            match body["error"].as_str().filter(|e| {
                !e.is_empty()
                    && e.len() <= 64
                    && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            }) {
                Some(code) => format!("{status}: {code}"),
                None => status.to_string(),
            }
        };
        return Err(Failure::Fatal(PublishError::TokenRefused {
            registry: registry.to_string(),
            realm: realm.to_string(),
            origin: creds.source.clone(),
            detail,
        }));
    }
    issued_token(&format!("registry {registry}"), resp).await
}

/// The bearer token of a token server's `200` reply: `token`, or OAuth2's `access_token`.
async fn issued_token(what: &str, resp: reqwest::Response) -> Result<String, Failure> {
    let text = resp.text().await?;
    let body: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| PublishError::Json {
            what: format!("{what}: the token endpoint's reply"),
            source,
        })?;
    body.get("token")
        .or_else(|| body.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            Failure::Fatal(PublishError::Auth {
                what: what.to_string(),
                message: "token endpoint returned no token".into(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        assert_eq!(parse_challenge("Basic realm=\"x\""), Some(Challenge::Basic));
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("reg".into()),
                scope: Some("repository:a/b:pull,push".into()),
            })
        );
        assert_eq!(parse_challenge("Negotiate"), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn basic_auth_takes_a_password_never_an_identity_token() {
        let client = reqwest::Client::new();
        let login = |secret| Credentials {
            secret,
            source: "/home/me/.docker/config.json".into(),
        };
        let password = login(Secret::Password {
            user: "me".into(),
            password: "pw".into(),
        });
        let value = authorization(
            &client,
            "r.example",
            Some(&password),
            Some(Challenge::Basic),
            "",
        )
        .await
        .ok()
        .unwrap();
        assert_eq!(value, "Basic bWU6cHc=");
        let token = login(Secret::IdentityToken("refresh-s3cret".into()));
        let Err(Failure::Fatal(e)) = authorization(
            &client,
            "r.example",
            Some(&token),
            Some(Challenge::Basic),
            "",
        )
        .await
        else {
            panic!("an identity token must not become Basic auth");
        };
        let text = e.to_string();
        assert!(
            text.contains("the identity token from /home/me/.docker/config.json")
                && !text.contains("refresh-s3cret"),
            "{text}"
        );
    }
}
