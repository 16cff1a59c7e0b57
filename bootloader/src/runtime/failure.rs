//! Why the stub could not start the application, as one line for the user.
//! A failure that comes from the limit on open files (a loader error, a
//! memory file, the executable itself) says so and how to raise it.

use std::fmt;

#[derive(Debug)]
pub struct Failure {
    message: String,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        let mut message = message.into();
        if message.contains("Too many open files") {
            message.push_str(&open_files_hint());
        }
        Failure { message }
    }

    /// The bundle's bytes are not what the packer wrote.
    pub fn damaged(exe: &std::path::Path, detail: impl fmt::Display) -> Failure {
        Failure::new(format!(
            "{}: the bundle is damaged ({detail}); copy or build it again",
            exe.display()
        ))
    }

    pub fn exit_code(&self) -> i32 {
        // Like a shell's "cannot execute": distinct from the app's own codes.
        126
    }
}

#[cfg(unix)]
fn open_files_hint() -> String {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit fills the struct it is given.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    format!(
        " (this process may open {} files at once; raise the limit, e.g. `ulimit -n 1024`, or the container's nofile limit)",
        limit.rlim_cur
    )
}

#[cfg(windows)]
fn open_files_hint() -> String {
    " (close other programs' handles or raise the limit)".into()
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
