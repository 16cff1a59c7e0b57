//! Why the stub could not start the application, as one line for the user.

use std::fmt;

#[derive(Debug)]
pub struct Failure {
    message: String,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into() }
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

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
