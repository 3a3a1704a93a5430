//! The `command` router, for load balancers tug has no driver for: `traffic.command` is rendered
//! for each change (the servers with their new weights, the header route) and run with `sh -c`
//! on the machine tug runs on, in tug.yaml's directory; exit 0 means the router took the change.
//! It cannot be asked for its state, so `tug status` shows only what tug last set.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{CallContext, Change, HeaderChange, Server, TrafficError};

pub struct CommandRouter {
    template: String,
    dir: PathBuf,
    timeout: Duration,
    label: String,
}

#[derive(Serialize)]
struct ServerValue<'a> {
    host: &'a str,
    slot: Option<&'a str>,
    server: &'a str,
    weight: u16,
}

impl CommandRouter {
    pub fn new(template: String, dir: &Path, timeout: Duration, label: String) -> CommandRouter {
        CommandRouter {
            template,
            dir: dir.to_path_buf(),
            timeout,
            label,
        }
    }

    fn err(&self, what: String, source: Option<std::io::Error>) -> TrafficError {
        TrafficError::Command {
            router: self.label.clone(),
            what,
            source,
        }
    }

    /// The command line for `change` (only servers whose weight changes are listed).
    pub fn render(
        &self,
        change: &Change,
        servers: &[Server],
        ctx: &CallContext,
    ) -> Result<String, String> {
        let listed: Vec<ServerValue> = servers
            .iter()
            .filter_map(|s| {
                change.weights.get(&s.server).map(|&w| ServerValue {
                    host: &s.host,
                    slot: s.slot.as_deref(),
                    server: &s.server,
                    weight: w,
                })
            })
            .collect();
        let (header, header_servers) = match &change.header {
            HeaderChange::On(to) => ("on", to.join(" ")),
            HeaderChange::Off => ("off", String::new()),
            HeaderChange::Keep => ("keep", String::new()),
        };
        let vars = serde_json::json!({
            "environment": ctx.environment,
            "version": ctx.version,
            "weights": super::describe(&change.weights),
            "servers": listed,
            "share": ctx.share.map_or(-1, i32::from),
            "header": header,
            "header_servers": header_servers,
            "env": ctx.env,
        });
        crate::deploy::render("traffic.command", &self.template, vars)
    }

    pub fn apply(
        &self,
        change: &Change,
        servers: &[Server],
        ctx: &CallContext,
    ) -> Result<(), TrafficError> {
        let line = self
            .render(change, servers, ctx)
            .map_err(|e| self.err(e, None))?;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(&self.dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| self.err("cannot start `sh -c traffic.command`".into(), Some(e)))?;
        let end = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= end => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(self.err(
                        format!("traffic.command did not finish within {:?}", self.timeout),
                        None,
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(self.err("cannot wait for traffic.command".into(), Some(e))),
            }
        };
        if status.success() {
            return Ok(());
        }
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        Err(self.err(
            format!(
                "traffic.command {status}: {}",
                crate::deploy::engine::one_line(&stderr)
            ),
            None,
        ))
    }
}
