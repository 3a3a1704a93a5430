//! The HTTP/1.1 request reader shared by the harness's small hand-written servers (the GitHub
//! API fake, the registry token server): one request per connection, headers by lowercase name,
//! the body by `Content-Length`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;

/// One request as read off the connection.
pub struct Request {
    pub method: String,
    /// The target's path, without the query.
    pub path: String,
    /// The query after `?`, or empty.
    pub query: String,
    /// Header values, trimmed, by lowercase name.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// Read the request line, the headers and the body off `conn`.
pub fn read_request(conn: &TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok(Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
    })
}
