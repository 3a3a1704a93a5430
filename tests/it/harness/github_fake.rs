//! A small FAKE of the GitHub releases API on loopback. No real GitHub can run here (it is a
//! hosted service), so the `github` publisher is tested against this stand-in, which implements
//! only the endpoints tug uses, the way GitHub documents them: list releases (drafts included
//! for an authorized token), create a release, list/upload/delete assets (uploads on a separate
//! `upload_url`, 422 for a duplicate name, assets carry `size` and `digest`), and PATCH a release.
//! It requires `Authorization: Bearer <token>` and logs every call for order assertions. Lists
//! are paged as GitHub pages them (`per_page`, default 30, at most 100; `page`; a
//! `Link: <...>; rel="next"` header while more pages follow). Tests can make it misbehave the
//! ways tug must not paper over: `list_reply` replaces the release list with any JSON, and
//! `omit_upload_url` creates releases without an `upload_url`.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

#[derive(Default)]
pub struct FakeState {
    pub releases: Vec<Value>,
    /// Per release id: the assets (JSON as GitHub returns them).
    pub assets: Vec<(u64, Value)>,
    pub log: Vec<String>,
    /// When set, `GET .../releases` answers 200 with this instead of the list.
    pub list_reply: Option<Value>,
    /// Create releases without `upload_url`.
    pub omit_upload_url: bool,
    next_id: u64,
}

impl FakeState {
    /// Add `n` published releases `v0.0.1`, `v0.0.2`... (ids from the shared counter).
    pub fn add_old_releases(&mut self, n: usize) {
        for i in 1..=n {
            let id = self.next_id;
            self.next_id += 1;
            self.releases.push(json!({
                "id": id, "tag_name": format!("v0.0.{i}"), "name": "old", "draft": false,
                "body": "", "upload_url": "http://unused.invalid/assets{?name,label}",
            }));
        }
    }
}

pub struct GithubFake {
    pub url: String,
    pub state: Arc<Mutex<FakeState>>,
}

pub const TOKEN: &str = "test-token";

impl GithubFake {
    pub fn start() -> GithubFake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(FakeState {
            next_id: 1,
            ..Default::default()
        }));
        let (s, base) = (state.clone(), url.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let _ = handle(conn, &s, &base);
            }
        });
        GithubFake { url, state }
    }

    /// Calls except reads (`GET`s), in order.
    pub fn writes(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| !l.starts_with("GET "))
            .cloned()
            .collect()
    }

    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }
}

fn respond(out: &mut TcpStream, status: &str, body: &Value) -> std::io::Result<()> {
    respond_with(out, status, body, "")
}

fn respond_with(
    out: &mut TcpStream,
    status: &str,
    body: &Value,
    headers: &str,
) -> std::io::Result<()> {
    let text = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{text}",
        text.len()
    )
}

/// One page of `items` as GitHub serves it, with a `Link` header when more follow.
fn page(
    out: &mut TcpStream,
    items: &[Value],
    base: &str,
    path: &str,
    query: &str,
) -> std::io::Result<()> {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let per_page = param("per_page").unwrap_or(30).clamp(1, 100);
    let page = param("page").unwrap_or(1).max(1);
    let start = ((page - 1) * per_page).min(items.len());
    let end = (start + per_page).min(items.len());
    let link = if end < items.len() {
        format!(
            "Link: <{base}{path}?per_page={per_page}&page={}>; rel=\"next\"\r\n",
            page + 1
        )
    } else {
        String::new()
    };
    respond_with(
        out,
        "200 OK",
        &Value::Array(items[start..end].to_vec()),
        &link,
    )
}

fn handle(conn: TcpStream, state: &Mutex<FakeState>, base: &str) -> std::io::Result<()> {
    let req = super::http::read_request(&conn)?;
    let mut out = conn;
    let (method, path, query) = (req.method.as_str(), req.path.as_str(), req.query.as_str());
    let auth = req
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut st = state.lock().unwrap();
    let json_body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let fields: Vec<String> = json_body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    if method == "PATCH" {
        st.log.push(format!("{method} {path} {}", fields.join(",")));
    } else {
        st.log.push(format!("{method} {path}"));
    }
    if auth != format!("Bearer {TOKEN}") {
        return respond(
            &mut out,
            "401 Unauthorized",
            &json!({ "message": "Bad credentials" }),
        );
    }
    match (method, segs.as_slice()) {
        ("GET", ["repos", _, _, "releases"]) => {
            if let Some(reply) = st.list_reply.clone() {
                return respond(&mut out, "200 OK", &reply);
            }
            page(&mut out, &st.releases, base, path, query)
        }
        ("POST", ["repos", o, r, "releases"]) => {
            let id = st.next_id;
            st.next_id += 1;
            let mut rel = json!({
                "id": id, "tag_name": json_body["tag_name"], "name": json_body["name"],
                "draft": json_body["draft"], "prerelease": json_body["prerelease"], "body": null,
                "html_url": format!("{base}/{o}/{r}/releases/tag/{}", json_body["tag_name"].as_str().unwrap_or("")),
                "upload_url": format!("{base}/uploads/repos/{o}/{r}/releases/{id}/assets{{?name,label}}"),
            });
            if st.omit_upload_url {
                rel.as_object_mut().unwrap().remove("upload_url");
            }
            st.releases.push(rel.clone());
            respond(&mut out, "201 Created", &rel)
        }
        ("GET", ["repos", _, _, "releases", id, "assets"]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let list: Vec<Value> = st
                .assets
                .iter()
                .filter(|(r, _)| *r == id)
                .map(|(_, a)| a.clone())
                .collect();
            page(&mut out, &list, base, path, query)
        }
        ("POST", ["uploads", "repos", o, r, "releases", id, "assets"]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let name = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("name="))
                .unwrap_or("")
                .to_string();
            if st
                .assets
                .iter()
                .any(|(rid, a)| *rid == id && a["name"] == json!(name))
            {
                return respond(
                    &mut out,
                    "422 Unprocessable Entity",
                    &json!({ "message": "Validation Failed", "errors": [{ "code": "already_exists" }] }),
                );
            }
            let aid = st.next_id;
            st.next_id += 1;
            use sha2::Digest;
            let digest = format!(
                "sha256:{}",
                tug::fsutil::hex(&sha2::Sha256::digest(&req.body))
            );
            let asset = json!({
                "id": aid, "name": name, "size": req.body.len(), "digest": digest, "state": "uploaded",
                "browser_download_url": format!("{base}/{o}/{r}/releases/download/{name}"),
            });
            st.assets.push((id, asset.clone()));
            respond(&mut out, "201 Created", &asset)
        }
        ("DELETE", ["repos", _, _, "releases", "assets", aid]) => {
            let aid: u64 = aid.parse().unwrap_or(0);
            st.assets.retain(|(_, a)| a["id"] != json!(aid));
            respond(&mut out, "204 No Content", &Value::Null)
        }
        ("PATCH", ["repos", _, _, "releases", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let Some(rel) = st.releases.iter_mut().find(|r| r["id"] == json!(id)) else {
                return respond(
                    &mut out,
                    "404 Not Found",
                    &json!({ "message": "Not Found" }),
                );
            };
            for (k, v) in json_body.as_object().cloned().unwrap_or_default() {
                rel[k.as_str()] = v;
            }
            let rel = rel.clone();
            respond(&mut out, "200 OK", &rel)
        }
        _ => respond(
            &mut out,
            "404 Not Found",
            &json!({ "message": "Not Found" }),
        ),
    }
}
