//! A STAND-IN token server for the registry's token authentication. The registry is the real
//! Debian `docker-registry` (distribution 2.8) configured with `auth: token:` ([`TokenRegistry`]);
//! what it delegates to, an authorization server (Docker Hub's auth.docker.io, Harbor's core,
//! GitLab's...), is a hosted or heavyweight product that cannot run here, so this small server
//! stands in for it, the way `github_fake.rs` stands in for GitHub. It speaks the distribution
//! spec's two token protocols, as `docs/spec/auth/token.md` and `oauth.md` describe them:
//!
//! - `GET /token?service=...&scope=...` with HTTP Basic auth (a known user) or none (anonymous:
//!   a token with no access), answering `{"token", "access_token", "expires_in", "issued_at"}`;
//! - `POST /token` with a form-encoded OAuth2 refresh-token grant (`grant_type=refresh_token`,
//!   `refresh_token`, `service`, `client_id` required, `scope` optional), answering
//!   `{"access_token", "scope", "expires_in"}`; an unknown refresh token gets
//!   `400 {"error": "invalid_grant"}`, a missing `client_id` `400 invalid_request`.
//!
//! The tokens are JWTs signed with ES256 by the harness's own P-256 key (made by openssl), with
//! the key's self-signed certificate (made by `openssl req -x509`) in the `x5c` header; the same
//! certificate is the registry's `rootcertbundle`, so the real registry verifies every token
//! itself (issuer, audience = service, expiry, signature, the `access` claim) exactly as it does
//! in production (distribution's `registry/auth/token/token.go`). Every request is logged
//! (method, grant type, client id, user or refresh token used) and every issued token kept, so
//! tests can assert which protocol a client used and that no token leaked into its output.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use serde_json::{json, Value};

use super::registry::Registry;

/// The registry's `service` (the tokens' audience) and the token server's `issuer`.
pub const SERVICE: &str = "tug-test-registry";
pub const ISSUER: &str = "tug-test-token-server";

/// One request the token server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `GET` or `POST`.
    pub method: String,
    /// The POST's `grant_type` (empty for a GET).
    pub grant_type: String,
    pub client_id: String,
    /// The Basic-auth user of a GET, or the user a refresh token belongs to ("" = anonymous).
    pub user: String,
    /// The refresh token a POST presented.
    pub refresh_token: String,
    pub scopes: Vec<String>,
    pub status: u16,
}

#[derive(Default)]
struct State {
    users: BTreeMap<String, String>,
    /// refresh token -> user
    refresh_tokens: BTreeMap<String, String>,
    calls: Vec<Call>,
    issued: Vec<String>,
}

pub struct TokenServer {
    /// `http://127.0.0.1:PORT/token`
    pub realm: String,
    /// The PEM certificate the registry trusts (`rootcertbundle`).
    pub cert: PathBuf,
    state: Arc<Mutex<State>>,
}

impl TokenServer {
    /// Start on a free loopback port with its key and certificate in `dir`.
    pub fn start(dir: &Path) -> TokenServer {
        let key = dir.join("token-key.pem");
        let cert = dir.join("token-cert.pem");
        super::openssl_ec_key(&key);
        super::ok(
            Command::new("openssl")
                .args(["req", "-x509", "-new", "-key"])
                .arg(&key)
                .args(["-subj", "/CN=tug-test-token-server", "-days", "3", "-out"])
                .arg(&cert),
        );
        let signing = p256::SecretKey::from_sec1_pem(&std::fs::read_to_string(&key).unwrap())
            .expect("openssl's EC key");
        let signing = p256::ecdsa::SigningKey::from(signing);
        let pem_text = std::fs::read_to_string(&cert).unwrap();
        let der = pem::parse(pem_text)
            .expect("openssl's certificate")
            .into_contents();
        let x5c = base64::engine::general_purpose::STANDARD.encode(der);

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let realm = format!("http://{}/token", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (st, signing, x5c) = (st.clone(), signing.clone(), x5c.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &st, &signing, &x5c);
                });
            }
        });
        TokenServer { realm, cert, state }
    }

    /// Accept `user`/`password` with Basic auth (the GET protocol, as `skopeo --creds` uses it).
    pub fn add_user(&self, user: &str, password: &str) {
        let mut st = self.state.lock().unwrap();
        st.users.insert(user.into(), password.into());
    }

    /// A new refresh token (what `docker login` stores as `identitytoken`) for `user`.
    pub fn issue_refresh_token(&self, user: &str) -> String {
        let token = format!("tug-refresh-{}", random_hex(16));
        let mut st = self.state.lock().unwrap();
        st.refresh_tokens.insert(token.clone(), user.into());
        token
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn clear_calls(&self) {
        self.state.lock().unwrap().calls.clear();
    }

    /// Every access token issued so far.
    pub fn issued(&self) -> Vec<String> {
        self.state.lock().unwrap().issued.clone()
    }
}

/// The real registry with token authentication delegated to a [`TokenServer`]: one per test
/// binary, started on first use.
pub struct TokenRegistry {
    pub registry: Registry,
    pub tokens: TokenServer,
    _dir: tempfile::TempDir,
}

impl TokenRegistry {
    pub fn shared() -> &'static TokenRegistry {
        static SHARED: OnceLock<TokenRegistry> = OnceLock::new();
        SHARED.get_or_init(|| {
            let dir = super::tempdir();
            let tokens = TokenServer::start(dir.path());
            let auth = format!(
                "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                tokens.realm,
                tokens.cert.display()
            );
            TokenRegistry {
                registry: Registry::start_with_config(&auth),
                tokens,
                _dir: dir,
            }
        })
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut buf)
        .unwrap();
    tug::fsutil::hex(&buf)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `a=b&c=d` (form or query) decoded.
fn form(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(decode(k)).or_default().push(decode(v));
    }
    out
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `access` claim granting `user` everything each `repository:<name>:<actions>` scope asks
/// for (an anonymous client gets nothing).
fn access(user: &str, scopes: &[String]) -> Vec<Value> {
    if user.is_empty() {
        return Vec::new();
    }
    scopes
        .iter()
        .filter_map(|s| {
            let (kind, rest) = s.split_once(':')?;
            let (name, actions) = rest.rsplit_once(':')?;
            let actions: Vec<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
            Some(json!({"type": kind, "name": name, "actions": actions}))
        })
        .collect()
}

fn jwt(
    signing: &p256::ecdsa::SigningKey,
    x5c: &str,
    user: &str,
    service: &str,
    scopes: &[String],
) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = json!({"typ": "JWT", "alg": "ES256", "x5c": [x5c]});
    let claims = json!({
        "iss": ISSUER, "sub": user, "aud": service,
        "exp": now + 300, "nbf": now - 10, "iat": now,
        "jti": random_hex(8),
        "access": access(user, scopes),
    });
    let signed = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig: p256::ecdsa::Signature = signing.sign(signed.as_bytes());
    format!("{signed}.{}", b64url(&sig.to_bytes()))
}

fn serve(
    conn: TcpStream,
    state: &Mutex<State>,
    signing: &p256::ecdsa::SigningKey,
    x5c: &str,
) -> std::io::Result<()> {
    let req = super::http::read_request(&conn)?;
    let mut out = conn;
    let (method, path, query) = (req.method.as_str(), req.path.as_str(), req.query.as_str());

    let mut call = Call {
        method: method.to_string(),
        grant_type: String::new(),
        client_id: String::new(),
        user: String::new(),
        refresh_token: String::new(),
        scopes: Vec::new(),
        status: 0,
    };
    let mut st = state.lock().unwrap();
    let (status, reply) = if path != "/token" {
        (404, json!({"error": "not_found"}))
    } else if method == "GET" {
        let q = form(query);
        let service = q
            .get("service")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default();
        call.client_id = q
            .get("client_id")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default();
        call.scopes = q
            .get("scope")
            .into_iter()
            .flatten()
            .flat_map(|s| s.split_whitespace().map(str::to_string))
            .collect();
        let basic = req
            .headers
            .get("authorization")
            .and_then(|a| a.strip_prefix("Basic "))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .and_then(|b| String::from_utf8(b).ok());
        match basic {
            Some(pair) => {
                let (u, p) = pair.split_once(':').unwrap_or((&pair, ""));
                call.user = u.to_string();
                if st.users.get(u).map(String::as_str) != Some(p) {
                    (401, json!({"error": "unauthorized"}))
                } else {
                    let token = jwt(signing, x5c, u, &service, &call.scopes);
                    st.issued.push(token.clone());
                    (
                        200,
                        json!({"token": token, "access_token": token, "expires_in": 300}),
                    )
                }
            }
            None => {
                let token = jwt(signing, x5c, "", &service, &call.scopes);
                st.issued.push(token.clone());
                (200, json!({"token": token, "expires_in": 300}))
            }
        }
    } else if method == "POST" {
        let f = form(&String::from_utf8_lossy(&req.body));
        let one = |k: &str| {
            f.get(k)
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default()
        };
        call.grant_type = one("grant_type");
        call.client_id = one("client_id");
        call.refresh_token = one("refresh_token");
        call.scopes = one("scope")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let service = one("service");
        let form_type = req
            .headers
            .get("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form_type || call.client_id.is_empty() || service.is_empty() {
            (400, json!({"error": "invalid_request"}))
        } else if call.grant_type != "refresh_token" {
            (400, json!({"error": "unsupported_grant_type"}))
        } else if let Some(user) = st.refresh_tokens.get(&call.refresh_token).cloned() {
            call.user = user.clone();
            let token = jwt(signing, x5c, &user, &service, &call.scopes);
            st.issued.push(token.clone());
            (
                200,
                json!({"access_token": token, "scope": call.scopes.join(" "), "expires_in": 300}),
            )
        } else {
            (400, json!({"error": "invalid_grant"}))
        }
    } else {
        (405, json!({"error": "method_not_allowed"}))
    };
    call.status = status;
    st.calls.push(call);
    drop(st);
    let body = reply.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}
