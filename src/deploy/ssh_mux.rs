//! A client of OpenSSH's connection multiplexing (PROTOCOL.mux in OpenSSH's sources): tug opens a
//! session on the ControlMaster connection an earlier `ssh` left running (ControlPersist) by
//! speaking the master's control-socket protocol itself and handing the master the session's
//! stdin, stdout and stderr as file descriptors, instead of starting an `ssh` process per host
//! that would do the same. That process (reading ssh_config, its own start-up, the same request)
//! cost about 5 ms of CPU a host, as much as the work a rollback does on the host: on a fleet
//! whose connections are open it was the largest part of `tug rollback`.
//!
//! Only what a passenger session needs is here: the hello exchange, `MUX_C_NEW_SESSION` (no tty,
//! no X11 or agent forwarding, no escape character, no environment), the three descriptors and
//! the reply. Anything else (no master, a stale socket, another protocol version, a refusal, a
//! master that does not answer in time) is an error, and the caller starts `ssh` as before, which
//! also replaces a stale socket with a new master.

use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

const MUX_MSG_HELLO: u32 = 0x0000_0001;
const MUX_C_NEW_SESSION: u32 = 0x1000_0002;
const MUX_S_PERMISSION_DENIED: u32 = 0x8000_0002;
const MUX_S_FAILURE: u32 = 0x8000_0003;
const MUX_S_SESSION_OPENED: u32 = 0x8000_0006;
/// The protocol version OpenSSH has spoken since 5.x; a master speaking another is refused.
const VERSION: u32 = 4;
/// "No escape character": the session's stdin is passed through untouched.
const NO_ESCAPE: u32 = 0xffff_ffff;
/// A packet larger than this from the master is not a reply to anything tug asks.
const MAX_PACKET: usize = 256 * 1024;

/// An open session on a master connection. The control socket stays open for the session's
/// lifetime: closing it (dropping this) makes the master close the session.
#[derive(Debug)]
pub struct MuxSession {
    _control: UnixStream,
    /// The master's number for the session.
    pub id: u32,
}

/// Open a session running `command` (a remote command line, as `ssh host -- command` sends it)
/// on the master listening at `control_path`, with `stdio` (stdin, stdout, stderr) as its
/// streams. The master keeps its own copies of the descriptors; ours are closed here. `timeout`
/// bounds each wait for the master's answer.
pub fn open_session(
    control_path: &Path,
    command: &str,
    stdio: [OwnedFd; 3],
    timeout: Duration,
) -> io::Result<MuxSession> {
    let mut s = UnixStream::connect(control_path)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;

    let mut hello = Vec::new();
    put_u32(&mut hello, MUX_MSG_HELLO);
    put_u32(&mut hello, VERSION);
    write_packet(&mut s, &hello)?;
    let reply = read_packet(&mut s)?;
    let mut r = Reader(&reply);
    if r.u32()? != MUX_MSG_HELLO {
        return Err(protocol("the master did not answer with its hello"));
    }
    let version = r.u32()?;
    if version != VERSION {
        return Err(protocol(format!(
            "the master speaks multiplexing protocol version {version}, not {VERSION}"
        )));
    }
    // Extensions (name/value pairs) may follow; none is needed here.

    let request_id = 1;
    let mut m = Vec::new();
    put_u32(&mut m, MUX_C_NEW_SESSION);
    put_u32(&mut m, request_id);
    put_string(&mut m, b""); // reserved
    for flag in [false, false, false, false] {
        // want tty, X11 forwarding, agent forwarding, subsystem
        put_u32(&mut m, flag as u32);
    }
    put_u32(&mut m, NO_ESCAPE);
    put_string(&mut m, b""); // terminal type
    put_string(&mut m, command.as_bytes());
    write_packet(&mut s, &m)?;
    for fd in &stdio {
        send_fd(&s, fd)?;
    }
    drop(stdio);

    let reply = read_packet(&mut s)?;
    let mut r = Reader(&reply);
    let kind = r.u32()?;
    if r.u32()? != request_id {
        return Err(protocol("the master answered another request"));
    }
    match kind {
        MUX_S_SESSION_OPENED => {
            let id = r.u32()?;
            // The session runs until its streams close; nothing more is read from the socket.
            s.set_read_timeout(None)?;
            Ok(MuxSession { _control: s, id })
        }
        MUX_S_PERMISSION_DENIED | MUX_S_FAILURE => Err(io::Error::other(format!(
            "the master refused the session: {}",
            String::from_utf8_lossy(r.string()?)
        ))),
        other => Err(protocol(format!(
            "unexpected answer 0x{other:08x} from the master"
        ))),
    }
}

/// A pipe (read end, write end) whose descriptors are closed on exec, so that no process started
/// meanwhile (another host's `ssh`) inherits an end and keeps a stream open.
pub fn pipe() -> io::Result<(std::fs::File, std::fs::File)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    Ok((r.into(), w.into()))
}

fn protocol(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_string(buf: &mut Vec<u8>, s: &[u8]) {
    put_u32(buf, s.len() as u32);
    buf.extend_from_slice(s);
}

/// A packet is its length (uint32) and its body, which starts with the message type.
fn write_packet(s: &mut UnixStream, body: &[u8]) -> io::Result<()> {
    let mut packet = Vec::with_capacity(4 + body.len());
    put_string(&mut packet, body);
    s.write_all(&packet)
}

fn read_packet(s: &mut UnixStream) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_PACKET {
        return Err(protocol(format!("a packet of {len} bytes from the master")));
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    Ok(body)
}

/// One descriptor per message, with one byte of data, as the master's `mm_receive_fd` reads it.
fn send_fd(s: &UnixStream, fd: &OwnedFd) -> io::Result<()> {
    use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags, UnixAddr};
    let fds = [fd.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    let data = [0u8];
    let iov = [IoSlice::new(&data)];
    loop {
        match sendmsg::<UnixAddr>(s.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), None) {
            Ok(1) => return Ok(()),
            Ok(n) => return Err(protocol(format!("sent {n} bytes with a descriptor"))),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads the fields of a packet body in order.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u32(&mut self) -> io::Result<u32> {
        let Some((head, rest)) = self.0.split_first_chunk::<4>() else {
            return Err(protocol("a packet from the master ended early"));
        };
        self.0 = rest;
        Ok(u32::from_be_bytes(*head))
    }

    fn string(&mut self) -> io::Result<&'a [u8]> {
        let len = self.u32()? as usize;
        if self.0.len() < len {
            return Err(protocol("a packet from the master ended early"));
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A master that answers as OpenSSH's does, recording the request and the descriptors.
    fn fake_master(path: &Path, answer: u32) -> std::thread::JoinHandle<(Vec<u8>, Vec<OwnedFd>)> {
        let listener = UnixListener::bind(path).unwrap();
        std::thread::spawn(move || {
            use nix::sys::socket::{recvmsg, ControlMessageOwned};
            let (mut s, _) = listener.accept().unwrap();
            let hello = read_packet(&mut s).unwrap();
            assert_eq!(hello, [0, 0, 0, 1, 0, 0, 0, 4]);
            let mut ours = Vec::new();
            put_u32(&mut ours, MUX_MSG_HELLO);
            put_u32(&mut ours, VERSION);
            put_string(&mut ours, b"info");
            put_string(&mut ours, b"");
            write_packet(&mut s, &ours).unwrap();
            let request = read_packet(&mut s).unwrap();
            let mut fds = Vec::new();
            for _ in 0..3 {
                let mut byte = [0u8; 1];
                let mut iov = [std::io::IoSliceMut::new(&mut byte)];
                let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
                let msg = recvmsg::<()>(
                    s.as_raw_fd(),
                    &mut iov,
                    Some(&mut space),
                    nix::sys::socket::MsgFlags::empty(),
                )
                .unwrap();
                for c in msg.cmsgs().unwrap() {
                    if let ControlMessageOwned::ScmRights(got) = c {
                        for fd in got {
                            fds.push(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) });
                        }
                    }
                }
            }
            let mut reply = Vec::new();
            put_u32(&mut reply, answer);
            put_u32(&mut reply, 1);
            if answer == MUX_S_SESSION_OPENED {
                put_u32(&mut reply, 7);
            } else {
                put_string(&mut reply, b"not now");
            }
            write_packet(&mut s, &reply).unwrap();
            (request, fds)
        })
    }

    #[test]
    fn a_session_request_carries_the_command_and_three_descriptors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        let master = fake_master(&path, MUX_S_SESSION_OPENED);
        let (in_r, mut in_w) = pipe().unwrap();
        let (out_r, out_w) = pipe().unwrap();
        let (err_r, err_w) = pipe().unwrap();
        let session = open_session(
            &path,
            "exec sh",
            [in_r.into(), out_w.into(), err_w.into()],
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(session.id, 7);
        let (request, fds) = master.join().unwrap();
        let mut r = Reader(&request);
        assert_eq!(r.u32().unwrap(), MUX_C_NEW_SESSION);
        assert_eq!(r.u32().unwrap(), 1);
        assert_eq!(r.string().unwrap(), b"");
        for _ in 0..4 {
            assert_eq!(r.u32().unwrap(), 0, "no tty, X11, agent or subsystem");
        }
        assert_eq!(r.u32().unwrap(), NO_ESCAPE);
        assert_eq!(r.string().unwrap(), b"");
        assert_eq!(r.string().unwrap(), b"exec sh");
        assert!(r.0.is_empty());
        // The master's copies are the session's streams: what is written to our end of stdin
        // arrives at its stdin, what it writes to stdout and stderr reaches our ends.
        let [m_in, m_out, m_err]: [OwnedFd; 3] = fds.try_into().unwrap();
        in_w.write_all(b"script").unwrap();
        drop(in_w);
        let mut got = String::new();
        std::fs::File::from(m_in).read_to_string(&mut got).unwrap();
        assert_eq!(got, "script");
        std::fs::File::from(m_out).write_all(b"out").unwrap();
        std::fs::File::from(m_err).write_all(b"err").unwrap();
        let mut out = String::new();
        let mut err = String::new();
        std::io::BufReader::new(out_r)
            .read_to_string(&mut out)
            .unwrap();
        std::io::BufReader::new(err_r)
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!((out.as_str(), err.as_str()), ("out", "err"));
    }

    #[test]
    fn a_refusal_or_no_master_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        let master = fake_master(&path, MUX_S_PERMISSION_DENIED);
        let pipes = || {
            let (a, b) = pipe().unwrap();
            let (c, d) = pipe().unwrap();
            drop((b, c));
            [
                a.into(),
                d.into(),
                std::fs::File::open("/dev/null").unwrap().into(),
            ]
        };
        let e = open_session(&path, "sh", pipes(), Duration::from_secs(5)).unwrap_err();
        assert!(
            e.to_string().contains("refused the session: not now"),
            "{e}"
        );
        master.join().unwrap();
        let e = open_session(
            &dir.path().join("none"),
            "sh",
            pipes(),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
