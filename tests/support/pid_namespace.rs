//! Every test process runs in a PID namespace of its own, so nothing it
//! starts can outlive it: when the test process ends, or is killed from
//! outside (a CI timeout, cargo-mutants), the namespace's init dies and the
//! kernel kills every process left in it — a bundle's multiprocessing
//! resource tracker, a server's workers, a wineserver.
//!
//! The set-up runs before `main` (from `.init_array`), while the process has
//! one thread: the test process proper must be a child forked after the
//! unshare (the thread that unshares may start no more threads), and a fork
//! takes only the forking thread along. The process unshares a PID and a
//! mount namespace and forks the namespace's init; the init mounts a
//! `/proc` of the namespace (so that the pids a test sees, `Child::id` and
//! what an app prints, are the ones `/proc` shows), forks the test process
//! proper, reaps orphans while it runs and ends with its status; the
//! original process waits for the init and ends with the same status. The
//! init dies with the original process (`PR_SET_PDEATHSIG`).
//!
//! Without the privilege to unshare (`cargo test` as a normal user) the
//! tests run as they are, after a note; with `PYBUNDLE_REQUIRE_ALL=1` the
//! test process fails at once, naming why.
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[used]
#[unsafe(link_section = ".init_array")]
static ENTER: extern "C" fn() = enter;

/// The pid of the test process as the host sees it (the original process).
static RUN_ID: AtomicU32 = AtomicU32::new(0);
/// Whether this process runs in its own PID namespace.
static CONTAINED: AtomicBool = AtomicBool::new(false);

/// A number no other test process running on this machine has: the host
/// pid of the original process (inside the namespace, every test process
/// is pid 2).
pub fn run_id() -> u32 {
    match RUN_ID.load(Ordering::Relaxed) {
        0 => std::process::id(),
        id => id,
    }
}

/// Whether the processes this test process starts die with it.
pub fn contained() -> bool {
    CONTAINED.load(Ordering::Relaxed)
}

extern "C" fn enter() {
    // SAFETY: the process has a single thread here; everything below is a
    // plain system call on values of this function.
    unsafe {
        RUN_ID.store(libc::getpid() as u32, Ordering::Relaxed);
        if libc::unshare(libc::CLONE_NEWPID | libc::CLONE_NEWNS) != 0 {
            let required = libc::getenv(c"PYBUNDLE_REQUIRE_ALL".as_ptr());
            if !required.is_null() && libc::strcmp(required, c"1".as_ptr()) == 0 {
                say("pybundle tests: cannot unshare a PID namespace (run the suite as root, as CI does; PYBUNDLE_REQUIRE_ALL=1 makes this a failure)\n");
                libc::_exit(1);
            }
            say("note: the tests run without a PID namespace of their own (not root): a test killed from outside may leave the processes it started\n");
            return;
        }
        match libc::fork() {
            -1 => fail("fork the PID namespace's init"),
            0 => be_init(),
            init => end_like(wait_for(init)),
        }
    }
}

/// Pid 1 of the new namespace: mounts its `/proc`, forks the test process
/// (which returns to run `main`), then reaps until the test process ends.
unsafe fn be_init() {
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    let private = libc::mount(std::ptr::null(), c"/".as_ptr(), std::ptr::null(), libc::MS_REC | libc::MS_PRIVATE, std::ptr::null());
    if private != 0 {
        fail("make the test's mounts private");
    }
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    if libc::mount(c"proc".as_ptr(), c"/proc".as_ptr(), c"proc".as_ptr(), flags, std::ptr::null()) != 0 {
        fail("mount /proc for the test's PID namespace");
    }
    match libc::fork() {
        -1 => fail("fork the test process"),
        0 => CONTAINED.store(true, Ordering::Relaxed),
        test => loop {
            let mut status = 0;
            let reaped = libc::waitpid(-1, &mut status, 0);
            if reaped == test {
                end_like(status);
            }
            if reaped < 0 && *libc::__errno_location() != libc::EINTR {
                fail("wait for the test process");
            }
        },
    }
}

/// Waits for `pid` and returns its wait status.
unsafe fn wait_for(pid: libc::pid_t) -> libc::c_int {
    let mut status = 0;
    while libc::waitpid(pid, &mut status, 0) < 0 {
        if *libc::__errno_location() != libc::EINTR {
            fail("wait for the PID namespace's init");
        }
    }
    status
}

/// Ends this process the way the one with wait status `status` ended: the
/// same exit code, or the same signal (128 + the signal for pid 1, which
/// cannot send itself one).
unsafe fn end_like(status: libc::c_int) -> ! {
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        libc::signal(signal, libc::SIG_DFL);
        libc::kill(libc::getpid(), signal);
        libc::_exit(128 + signal);
    }
    libc::_exit(libc::WEXITSTATUS(status))
}

unsafe fn fail(what: &str) -> ! {
    say("pybundle tests: cannot ");
    say(what);
    say("\n");
    libc::_exit(1)
}

unsafe fn say(text: &str) {
    libc::write(2, text.as_ptr().cast(), text.len());
}
