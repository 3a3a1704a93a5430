//! A webhook receiver for notification tests: a real HTTP/1.1 server on 127.0.0.1 (a std
//! `TcpListener` and one thread per connection) that records every request it reads and answers
//! with scripted statuses (the first requests get `script`, later ones `then`), or never answers
//! at all (`Receiver::silent`), holding the connection open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the receiver read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
enum Mode {
    Answer { script: Vec<u16>, then: u16 },
    Silent,
}

pub struct Receiver {
    pub addr: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Receiver {
    /// Answers `script` in order, then `then` for every later request.
    pub fn answering(script: &[u16], then: u16) -> Receiver {
        Receiver::start(Mode::Answer {
            script: script.to_vec(),
            then,
        })
    }

    /// Answers 200 to everything.
    pub fn ok() -> Receiver {
        Receiver::answering(&[], 200)
    }

    /// Reads each request and never answers.
    pub fn silent() -> Receiver {
        Receiver::start(Mode::Silent)
    }

    fn start(mode: Mode) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let answered = Arc::new(Mutex::new(0usize));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (seen, mode, answered) = (seen.clone(), mode.clone(), answered.clone());
                std::thread::spawn(move || serve(conn, &seen, &mode, &answered));
            }
        });
        Receiver { addr, requests }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Wait until at least `n` requests arrived (at most `within`).
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Request> {
        let end = Instant::now() + within;
        loop {
            let got = self.requests();
            if got.len() >= n || Instant::now() > end {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn serve(conn: TcpStream, seen: &Mutex<Vec<Request>>, mode: &Mode, answered: &Mutex<usize>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        seen.lock().unwrap().push(Request {
            method,
            path,
            headers,
            body,
        });
        let status = match mode {
            Mode::Silent => {
                // Hold the connection open, never answering.
                std::thread::sleep(Duration::from_secs(600));
                return;
            }
            Mode::Answer { script, then } => {
                let mut n = answered.lock().unwrap();
                let s = script.get(*n).copied().unwrap_or(*then);
                *n += 1;
                s
            }
        };
        let reply = format!("HTTP/1.1 {status} Scripted\r\nContent-Length: 2\r\n\r\nok");
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
