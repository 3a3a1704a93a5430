//! A real web server for the `goproxy` tests: Debian's nginx on 127.0.0.1 with a free port and a
//! temp prefix, serving a directory read-only to the go command and taking WebDAV `PUT` and
//! `DELETE` (the core `ngx_http_dav_module`, with `create_full_put_path`), the way an
//! Artifactory/Nexus-style or WebDAV Go repository takes uploads. One instance per test binary,
//! as the test user (`master_process off`: no switch to another user), in the foreground
//! (`daemon off`), killed with the test binary (PR_SET_PDEATHSIG through `spawn_owned`).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::registry::{free_port, spawn_owned};
use super::require_program;

pub struct Nginx {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The document root: what is PUT to `<url>/<p>` is at `<root>/<p>`.
    pub root: PathBuf,
    _child: Mutex<Child>,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// The nginx shared by every test of this binary.
    pub fn shared() -> &'static Nginx {
        static SHARED: OnceLock<Nginx> = OnceLock::new();
        SHARED.get_or_init(Nginx::start)
    }

    fn start() -> Nginx {
        let nginx = require_program("nginx");
        let dir = tempfile::Builder::new()
            .prefix("tug-nginx-")
            .tempdir()
            .unwrap();
        let prefix = dir.path().to_path_buf();
        let root = prefix.join("www");
        for d in ["www", "logs", "tmp"] {
            std::fs::create_dir_all(prefix.join(d)).unwrap();
        }
        let port = free_port();
        let p = prefix.display();
        let conf = format!(
            r#"daemon off;
master_process off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {p}/logs/access.log;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        client_max_body_size 600m;
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
"#,
            root = root.display()
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut cmd = Command::new(nginx);
        cmd.arg("-p")
            .arg(&prefix)
            .arg("-e")
            .arg(prefix.join("logs/error.log"))
            .arg("-c")
            .arg(&conf_path);
        let mut child = spawn_owned(cmd);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log =
                    std::fs::read_to_string(prefix.join("logs/error.log")).unwrap_or_default();
                panic!("nginx exited with {status}: {log}");
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx {
            url: format!("http://127.0.0.1:{port}"),
            root,
            _child: Mutex::new(child),
            _dir: dir,
        }
    }
}
