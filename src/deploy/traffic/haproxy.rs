//! HAProxy through its runtime API (the master-less `stats socket`, unix or TCP, `level admin`):
//! `show servers state` for the view, `set weight` for weights, `show map`/`add map`/`del map`
//! for the header route. One change is one connection carrying every command on one line
//! (`cmd1; cmd2`), which HAProxy runs back to back: no reload, no dropped connection.
//! Successful `set`/`add`/`del` commands answer nothing, so any answer is the error.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Change, HeaderChange, ServerState, ServerView, TrafficError, View};
use crate::config::traffic::SocketAddr;

/// The header route: `key` in `map` sends requests to `backend`.
pub struct HeaderMap {
    pub map: String,
    pub key: String,
    pub backend: String,
}

enum Address {
    Unix(PathBuf),
    Tcp(String),
}

pub struct Haproxy {
    address: Address,
    backend: String,
    header: Option<HeaderMap>,
    timeout: Duration,
    label: String,
}

impl Haproxy {
    pub fn new(
        addr: SocketAddr,
        base_dir: &Path,
        backend: String,
        header: Option<HeaderMap>,
        timeout: Duration,
        label: String,
    ) -> Haproxy {
        let address = match addr {
            SocketAddr::Unix(p) => Address::Unix(base_dir.join(p)),
            SocketAddr::Tcp(a) => Address::Tcp(a),
        };
        Haproxy {
            address,
            backend,
            header,
            timeout,
            label,
        }
    }

    pub fn backend(&self) -> &str {
        &self.backend
    }

    fn address_text(&self) -> String {
        match &self.address {
            Address::Unix(p) => format!("unix:{}", p.display()),
            Address::Tcp(a) => format!("tcp:{a}"),
        }
    }

    /// Send one line of commands and read the whole answer (HAProxy closes the connection when
    /// it has answered a non-interactive line).
    fn call(&self, line: &str) -> Result<String, TrafficError> {
        let connect_err = |source| TrafficError::Connect {
            router: self.label.clone(),
            address: self.address_text(),
            source,
        };
        let io_err = |source| TrafficError::Io {
            router: self.label.clone(),
            command: line.to_string(),
            source,
        };
        let mut answer = Vec::new();
        match &self.address {
            Address::Unix(p) => {
                let mut s = std::os::unix::net::UnixStream::connect(p).map_err(connect_err)?;
                s.set_read_timeout(Some(self.timeout)).map_err(io_err)?;
                s.set_write_timeout(Some(self.timeout)).map_err(io_err)?;
                s.write_all(format!("{line}\n").as_bytes())
                    .map_err(io_err)?;
                s.read_to_end(&mut answer).map_err(io_err)?;
            }
            Address::Tcp(a) => {
                let addr = std::net::ToSocketAddrs::to_socket_addrs(a)
                    .map_err(connect_err)?
                    .next()
                    .ok_or_else(|| {
                        connect_err(std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "the address resolves to nothing",
                        ))
                    })?;
                let mut s = std::net::TcpStream::connect_timeout(&addr, self.timeout)
                    .map_err(connect_err)?;
                s.set_read_timeout(Some(self.timeout)).map_err(io_err)?;
                s.set_write_timeout(Some(self.timeout)).map_err(io_err)?;
                s.set_nodelay(true).map_err(io_err)?;
                s.write_all(format!("{line}\n").as_bytes())
                    .map_err(io_err)?;
                s.read_to_end(&mut answer).map_err(io_err)?;
            }
        }
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    /// A line of commands that answer nothing when they succeed.
    fn commands(&self, cmds: &[String]) -> Result<(), TrafficError> {
        if cmds.is_empty() {
            return Ok(());
        }
        let line = cmds.join("; ");
        let answer = self.call(&line)?;
        let answer = answer.trim();
        if answer.is_empty() {
            Ok(())
        } else {
            Err(TrafficError::Refused {
                router: self.label.clone(),
                command: line,
                answer: answer.lines().collect::<Vec<_>>().join("; "),
            })
        }
    }

    fn servers_of(&self, backend: &str) -> Result<Vec<ServerView>, TrafficError> {
        let cmd = format!("show servers state {backend}");
        let answer = self.call(&cmd)?;
        parse_servers_state(&answer).map_err(|answer| TrafficError::Refused {
            router: self.label.clone(),
            command: cmd,
            answer,
        })
    }

    /// Whether the header map has our key (pointing at the header backend).
    fn header_on(&self, h: &HeaderMap) -> Result<bool, TrafficError> {
        let cmd = format!("show map {}", h.map);
        let answer = self.call(&cmd)?;
        let mut found = false;
        for line in answer.lines() {
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(id), Some(k), Some(_)) if id.starts_with("0x") => {
                    found |= k == h.key;
                }
                _ if line.trim().is_empty() => {}
                _ => {
                    return Err(TrafficError::Refused {
                        router: self.label.clone(),
                        command: cmd,
                        answer: answer.trim().to_string(),
                    })
                }
            }
        }
        Ok(found)
    }

    pub fn view(&self) -> Result<View, TrafficError> {
        let servers = self.servers_of(&self.backend)?;
        let header = match &self.header {
            Some(h) => Some(self.header_on(h)?),
            None => None,
        };
        Ok(View {
            router: self.label.clone(),
            servers,
            header,
        })
    }

    pub fn apply(&self, change: &Change) -> Result<(), TrafficError> {
        let mut cmds: Vec<String> = Vec::new();
        let header = match (&change.header, &self.header) {
            (HeaderChange::Keep, _) | (_, None) => None,
            (h, Some(map)) => Some((h, map, self.header_on(map)?)),
        };
        // Off first: header requests follow the weights again before any weight moves.
        if let Some((HeaderChange::Off, map, true)) = &header {
            cmds.push(format!("del map {} {}", map.map, map.key));
        }
        for (server, weight) in &change.weights {
            cmds.push(format!("set weight {}/{server} {weight}", self.backend));
        }
        if let Some((HeaderChange::On(to), map, on)) = &header {
            // The header backend lists the same servers: weight only for the new release's.
            let all = self.servers_of(&map.backend)?;
            for s in &all {
                let w = u16::from(to.contains(&s.server));
                if s.weight != w {
                    cmds.push(format!("set weight {}/{} {w}", map.backend, s.server));
                }
            }
            if !on {
                cmds.push(format!("add map {} {} {}", map.map, map.key, map.backend));
            }
        }
        self.commands(&cmds)
    }
}

/// Parse `show servers state BACKEND` (format 1: a version line, a `#` header naming the
/// columns, one line per server). An answer of another shape is returned as the error.
pub fn parse_servers_state(answer: &str) -> Result<Vec<ServerView>, String> {
    let mut lines = answer.lines().filter(|l| !l.trim().is_empty());
    let version = lines.next().unwrap_or_default().trim();
    if version != "1" {
        return Err(answer.trim().to_string());
    }
    let header: Vec<&str> = match lines.next() {
        Some(h) if h.starts_with('#') => h.trim_start_matches('#').split_whitespace().collect(),
        _ => return Err(answer.trim().to_string()),
    };
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(name), Some(op), Some(admin), Some(uw), Some(iw)) = (
        col("srv_name"),
        col("srv_op_state"),
        col("srv_admin_state"),
        col("srv_uweight"),
        col("srv_iweight"),
    ) else {
        return Err(format!("unexpected columns: {}", header.join(" ")));
    };
    let mut out = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        let get = |k: usize| f.get(k).copied().unwrap_or_default();
        let num = |k: usize| get(k).parse::<u32>().unwrap_or(0);
        let admin = num(admin);
        // srv_admin_state bits: 0x01 forced maint, 0x02 inherited, 0x04 config, 0x20 resolver;
        // 0x08 forced drain, 0x10 inherited drain. srv_op_state 0: stopped (down).
        let state = if admin & 0x27 != 0 {
            ServerState::Maint
        } else if admin & 0x18 != 0 {
            ServerState::Drain
        } else if num(op) == 0 {
            ServerState::Down
        } else {
            ServerState::Ready
        };
        out.push(ServerView {
            server: get(name).to_string(),
            host: None,
            slot: None,
            weight: num(uw).min(u32::from(u16::MAX)) as u16,
            initial: num(iw).min(u32::from(u16::MAX)) as u16,
            state,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_state_is_read_by_column_name() {
        let answer = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change\n3 app 1 h1 127.0.0.1 2 0 3 1 10\n3 app 2 h2 127.0.0.1 2 8 19 1 10\n3 app 3 h3 127.0.0.1 0 0 1 1 10\n3 app 4 h4 127.0.0.1 2 1 1 1 10\n\n";
        let s = parse_servers_state(answer).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(
            (s[0].server.as_str(), s[0].weight, s[0].initial),
            ("h1", 3, 1)
        );
        assert_eq!(s[0].state, ServerState::Ready);
        assert_eq!(s[1].state, ServerState::Drain);
        assert_eq!(s[2].state, ServerState::Down);
        assert_eq!(s[3].state, ServerState::Maint);
        assert_eq!(
            parse_servers_state("Can't find backend.\n").unwrap_err(),
            "Can't find backend."
        );
    }
}
