//! The test harness itself: what a test process starts does not outlive it,
//! whether it ends or is killed from outside (tests/support/pid_namespace.rs).
mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use support::pid_namespace;
use support::test_env::missing;
use support::{wait_guarded, HANG_GUARD};

/// Set in the copy of this test process that plays the test which starts
/// a process and leaves it behind; its value marks that process.
const LEAVER: &str = "PYBUNDLE_TEST_LEAVES_BEHIND";

/// Pids of the `sleep` processes whose environment holds `LEAVER=<marker>`.
fn marked(marker: &str) -> Vec<u32> {
    let wanted = format!("{LEAVER}={marker}");
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c == "sleep\n"))
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == wanted.as_bytes()))
        })
        .collect()
}

/// Waits up to `limit` for `done`.
fn within(limit: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

/// A copy of this test process that starts `sleep` in the background (its
/// shell exits, so it is an orphan no one waits for), says so, waits for
/// its stdin to close, and then either ends or waits to be killed.
fn leaver(marker: &str, then: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "what_a_test_starts_dies_with_it", "--nocapture"])
        .env(LEAVER, format!("{marker}:{then}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn what_a_test_starts_dies_with_it() {
    if let Ok(role) = std::env::var(LEAVER) {
        let (_, then) = role.split_once(':').unwrap();
        let shell = Command::new("/bin/sh").args(["-c", "sleep 600 </dev/null >/dev/null 2>&1 & echo started"]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&shell.stdout), "started\n");
        println!("left behind");
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        if then == "wait" {
            thread::sleep(Duration::from_secs(600));
        }
        return;
    }
    if !pid_namespace::contained() {
        missing("root (to unshare a PID namespace)", "what_a_test_starts_dies_with_it");
        return;
    }
    for then in ["end", "wait"] {
        let marker = pid_namespace::run_id().to_string();
        let mut test = leaver(&marker, then);
        let stdout = test.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).try_for_each(|l| tx.send(l)));
        let said = loop {
            match lines.recv_timeout(HANG_GUARD) {
                Ok(line) if line == "left behind" => break true,
                Ok(_) => {}
                Err(_) => break false,
            }
        };
        if !said {
            let _ = test.kill();
            let _ = test.wait();
            panic!("{then}: the test that leaves a process behind did not start it");
        }
        let left = || marked(&format!("{marker}:{then}"));
        assert!(within(Duration::from_secs(10), || !left().is_empty()), "{then}: the background sleep is not there");
        drop(test.stdin.take());
        if then == "wait" {
            test.kill().unwrap();
        }
        let status = wait_guarded(&mut test, "the test that leaves a process behind");
        if then == "end" {
            assert!(status.success(), "the test that leaves a process behind failed: {status:?}");
        }
        assert!(within(Duration::from_secs(10), || left().is_empty()), "{then}: processes {:?} outlived the test process", left());
    }
}
