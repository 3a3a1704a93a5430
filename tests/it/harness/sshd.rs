//! Real OpenSSH servers for deploy tests: several `sshd` on 127.0.0.x loopback addresses, each
//! with its own host key, sharing one test user key; an ssh_config and known_hosts for the client.
//! Started once per test binary, killed by a watchdog when it exits.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::ok;
use super::service::{free_port, spawn_daemon, wait_port};

pub struct Sshd {
    pub ip: String,
    pub port: u16,
    pub host_pub: String,
}

pub struct SshFleet {
    pub dir: PathBuf,
    pub hosts: Vec<Sshd>,
    pub user_key: PathBuf,
    /// An ssh_config (user, key, known_hosts) for tug.yaml's `ssh_config:`.
    pub ssh_config: PathBuf,
}

fn keygen(path: &Path) -> String {
    if !path.exists() {
        ok(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "tug-test", "-f"])
            .arg(path));
    }
    std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string()
}

/// Start one sshd on `ip` accepting `user_pub`.
pub fn start_sshd(dir: &Path, ip: &str, authorized: &Path) -> Sshd {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let host_key = dir.join("host_key");
    let _ = std::fs::remove_file(&host_key);
    let _ = std::fs::remove_file(host_key.with_extension("pub"));
    let host_pub = keygen(&host_key);
    let port = free_port(ip);
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "ListenAddress {ip}:{port}\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             StrictModes no\nUsePAM no\nLogLevel ERROR\nMaxStartups 200\nMaxSessions 200\n",
            host_key.display(),
            dir.join("sshd.pid").display(),
            authorized.display()
        ),
    )
    .unwrap();
    let log = dir.join("sshd.log");
    spawn_daemon(
        Path::new("/usr/sbin/sshd"),
        &[
            "-D".into(),
            "-e".into(),
            "-f".into(),
            config.display().to_string(),
        ],
        &log,
    );
    wait_port(&format!("{ip}:{port}"), "sshd", &log);
    Sshd {
        ip: ip.into(),
        port,
        host_pub,
    }
}

/// The user tests log in as. As root, a dedicated `tugtest` user with `/bin/sh` as its shell:
/// root's shell startup files on this machine (pyenv) would run, and serialise on a lock, for
/// every ssh command, which measures the machine, not tug. Host directories must be its own.
pub fn login_user() -> &'static str {
    static USER: OnceLock<String> = OnceLock::new();
    USER.get_or_init(|| {
        if unsafe { libc::getuid() } != 0 {
            return std::env::var("USER").unwrap_or_else(|_| "root".into());
        }
        let exists = Command::new("id")
            .arg("tugtest")
            .output()
            .is_ok_and(|o| o.status.success());
        if !exists {
            let _ = Command::new("useradd")
                .args([
                    "-r",
                    "-m",
                    "-d",
                    "/var/lib/tugtest",
                    "-s",
                    "/bin/sh",
                    "-p",
                    "*",
                    "tugtest",
                ])
                .status();
        }
        "tugtest".into()
    })
}

/// Make `dir` (and the directories to it under the temp dir) usable by the login user.
pub fn give_to_login_user(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    if unsafe { libc::getuid() } != 0 {
        return;
    }
    let uid: u32 =
        String::from_utf8(ok(Command::new("id").args(["-u", login_user()])).into_bytes())
            .unwrap()
            .trim()
            .parse()
            .unwrap();
    let mut p = dir.parent();
    while let Some(d) = p {
        if d == Path::new(env!("CARGO_TARGET_TMPDIR")) || d.parent().is_none() {
            break;
        }
        let mode = std::fs::metadata(d).unwrap().permissions().mode();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode | 0o711)).unwrap();
        p = d.parent();
    }
    std::os::unix::fs::chown(dir, Some(uid), None).unwrap();
}

/// Write an ssh_config trusting exactly `known` (lines of known_hosts).
pub fn client_config(dir: &Path, user_key: &Path, known: &str) -> PathBuf {
    let known_hosts = dir.join("known_hosts");
    std::fs::write(&known_hosts, known).unwrap();
    let cfg = dir.join("ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host *\n  User {}\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n",
            login_user(),
            user_key.display(),
            known_hosts.display()
        ),
    )
    .unwrap();
    cfg
}

/// The known_hosts line for a server.
pub fn known_line(s: &Sshd, key: &str) -> String {
    let mut parts = key.split_whitespace();
    format!(
        "[{}]:{} {} {}\n",
        s.ip,
        s.port,
        parts.next().unwrap(),
        parts.next().unwrap()
    )
}

/// `n` sshd servers on 127.0.0.21.. (started once per test binary).
pub fn fleet() -> &'static SshFleet {
    static FLEET: OnceLock<SshFleet> = OnceLock::new();
    FLEET.get_or_init(|| {
        let dir =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sshd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let user_key = dir.join("user_key");
        let user_pub = keygen(&user_key);
        let authorized = dir.join("authorized_keys");
        std::fs::write(&authorized, format!("{user_pub}\n")).unwrap();
        let hosts: Vec<Sshd> = (0..4)
            .map(|i| {
                start_sshd(
                    &dir.join(format!("h{i}")),
                    &format!("127.0.0.{}", 21 + i),
                    &authorized,
                )
            })
            .collect();
        let known: String = hosts.iter().map(|h| known_line(h, &h.host_pub)).collect();
        let ssh_config = client_config(&dir, &user_key, &known);
        SshFleet {
            dir,
            hosts,
            user_key,
            ssh_config,
        }
    })
}
