//! Running apps that wait for something: an app that prints "ready <pid>"
//! and then waits for a signal, an app talking to a terminal (a real pty),
//! and looking at the processes that exist.
use super::{wait_guarded, Out, HANG_GUARD};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A started app whose stdout is read line by line.
pub struct Running {
    pub child: Child,
    /// The pid the app printed in its "ready <pid>" line.
    pub pid: u32,
    pub desc: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: thread::JoinHandle<Vec<u8>>,
}

/// Starts `cmd` (stdin closed) and waits for its first stdout line, which
/// must be `ready <pid>`. Signals that a test runner may have ignored are
/// reset to their defaults in the child, as an interactive shell would.
pub fn start_until_ready(cmd: &mut Command) -> Running {
    let desc = format!("{cmd:?}");
    // SAFETY: signal() is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            for s in [libc::SIGINT, libc::SIGTERM, libc::SIGUSR1, libc::SIGQUIT] {
                libc::signal(s, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = super::spawn(cmd).unwrap_or_else(|e| panic!("cannot start {desc}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut r = Running { child, pid: 0, desc, lines, seen: Vec::new(), stderr };
    let first = r.next_line("the 'ready <pid>' line");
    r.pid = first
        .strip_prefix("ready ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| r.fail(&format!("expected 'ready <pid>' first, got {first:?}")));
    r
}

impl Running {
    /// The next stdout line; fails (killing the app) if the app ends first
    /// or nothing comes within the hang guard.
    pub fn next_line(&mut self, what: &str) -> String {
        match self.lines.recv_timeout(HANG_GUARD) {
            Ok(l) => {
                self.seen.push(l.clone());
                l
            }
            Err(_) => self.fail(&format!("no stdout line ({what}) came")),
        }
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: plain kill(2).
        let r = unsafe { libc::kill(self.pid as i32, sig) };
        assert_eq!(r, 0, "kill({}, {sig}) failed: {}", self.pid, std::io::Error::last_os_error());
    }

    fn fail(&mut self, msg: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("{}: {msg}\nstdout so far: {:?}", self.desc, self.seen);
    }

    /// Waits for the end (hang guard) and returns everything it printed.
    pub fn finish(mut self) -> Out {
        let status = wait_guarded(&mut self.child, &self.desc);
        let mut stdout = self.seen.join("\n");
        if !stdout.is_empty() {
            stdout.push('\n');
        }
        while let Ok(l) = self.lines.recv_timeout(HANG_GUARD) {
            stdout.push_str(&l);
            stdout.push('\n');
        }
        let stderr = String::from_utf8_lossy(&self.stderr.join().unwrap()).into_owned();
        Out { cmd: self.desc, status, stdout, stderr }
    }
}

/// Pids of the processes whose executable is `exe`.
pub fn pids_running(exe: &Path) -> Vec<u32> {
    let exe = fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    let mut pids = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if let Ok(target) = fs::read_link(e.path().join("exe")) {
            if target == exe {
                pids.push(pid);
            }
        }
    }
    pids
}

/// Waits (up to the hang guard) until no process runs `exe`; returns the
/// pids still running then (empty when all have gone).
pub fn wait_until_gone(exe: &Path) -> Vec<u32> {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        let left = pids_running(exe);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `cmd` with a new pty as its controlling terminal and stdin, stdout
/// and stderr. For each `(wait_for, send)` of `dialog`, waits until the
/// terminal output (all of it so far) contains `wait_for`, then types
/// `send`. Returns what the terminal showed, with "\r\n" made "\n", as
/// stdout (stderr is empty: it went to the same terminal).
pub fn run_in_pty(cmd: &mut Command, dialog: &[(&str, &str)]) -> Out {
    let desc = format!("{cmd:?}");
    let (mut master, slave) = openpty();
    let dup = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the pty"));
    cmd.stdin(dup(&slave)).stdout(dup(&slave)).stderr(dup(&slave));
    // SAFETY: setsid and ioctl are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let spawned = super::spawn(cmd);
    // Drop every copy of the slave here, so that reading the master ends
    // (EIO) once the app and its children have closed theirs.
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    drop(slave);
    let mut child = spawned.unwrap_or_else(|e| panic!("cannot start {desc} on a pty: {e}"));

    let mut reader = master.try_clone().expect("clone the pty master");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut shown: Vec<u8> = Vec::new();
    for (wait_for, send) in dialog {
        while !String::from_utf8_lossy(&shown).contains(wait_for) {
            match rx.recv_timeout(HANG_GUARD) {
                Ok(chunk) => shown.extend_from_slice(&chunk),
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "{desc}: the terminal never showed {wait_for:?}; it showed {:?}",
                        String::from_utf8_lossy(&shown)
                    );
                }
            }
        }
        master.write_all(send.as_bytes()).expect("type into the pty");
    }
    let status: ExitStatus = wait_guarded(&mut child, &desc);
    while let Ok(chunk) = rx.recv_timeout(HANG_GUARD) {
        shown.extend_from_slice(&chunk);
    }
    let stdout = String::from_utf8_lossy(&shown).replace("\r\n", "\n");
    Out { cmd: desc, status, stdout, stderr: String::new() }
}

fn openpty() -> (fs::File, OwnedFd) {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    // SAFETY: openpty writes two descriptors; the other pointers may be null.
    let r = unsafe {
        libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null())
    };
    assert_eq!(r, 0, "openpty failed: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned here.
    unsafe {
        libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC);
        libc::fcntl(slave, libc::F_SETFD, libc::FD_CLOEXEC);
        (fs::File::from_raw_fd(master), OwnedFd::from_raw_fd(slave))
    }
}

/// The running glibc's version, as `2.36`.
pub fn host_glibc_version() -> String {
    // SAFETY: gnu_get_libc_version returns a static NUL-terminated string.
    let v = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
    v.to_string_lossy().into_owned()
}

extern "C" {
    fn gnu_get_libc_version() -> *const libc::c_char;
}

/// Every file (not directory) under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    super::walk(dir, &mut |p, _| v.push(p.strip_prefix(dir).unwrap().to_path_buf()));
    v.sort();
    v
}
