//! A real Prometheus for analysis tests: scrapes every second the targets tests list in
//! file_sd files under its directory. Started once per test binary, killed by a watchdog.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::service::{free_port, spawn_daemon, wait_port};

pub struct Prometheus {
    pub url: String,
    pub dir: PathBuf,
}

impl Prometheus {
    /// Scrape `targets` (`(address:port, host label)`) under the name `group`.
    pub fn scrape(&self, group: &str, targets: &[(String, String)]) {
        let sd: Vec<serde_json::Value> = targets
            .iter()
            .map(|(addr, host)| serde_json::json!({"targets": [addr], "labels": {"host": host}}))
            .collect();
        let path = self.dir.join("targets").join(format!("{group}.json"));
        tug::fsutil::write_atomic(&path, serde_json::to_string(&sd).unwrap().as_bytes()).unwrap();
    }
}

pub fn prometheus() -> &'static Prometheus {
    static PROM: OnceLock<Prometheus> = OnceLock::new();
    PROM.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prometheus-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("targets")).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: demo\n    \
                 file_sd_configs:\n      - files: ['{}/targets/*.json']\n        refresh_interval: 1s\n",
                dir.display()
            ),
        )
        .unwrap();
        let port = free_port("127.0.0.1");
        let log = dir.join("prometheus.log");
        spawn_daemon(
            Path::new("prometheus"),
            &[
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ],
            &log,
        );
        wait_port(&format!("127.0.0.1:{port}"), "prometheus", &log);
        Prometheus { url: format!("http://127.0.0.1:{port}"), dir }
    })
}
