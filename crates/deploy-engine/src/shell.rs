//! Running a shell command on a target with a timeout: this machine (`sh -c`) or a host
//! over SSH ([`crate::ssh`]). Commands run in their own process group, so a Ctrl-C on the
//! terminal reaches the engine (which cleans up) and not the user's services; a command
//! that outlives its timeout, or a run that is cancelled, has its group killed.

use std::io::{Read as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::cancel::Cancel;

/// What a command did.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Exit status (`None` when killed).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Exit status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Both streams, trimmed, for reports (the last 4 KiB).
    pub fn combined(&self) -> String {
        let mut text = self.stdout.trim_end().to_owned();
        if !self.stderr.trim().is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(self.stderr.trim_end());
        }
        tail(&text, 4096)
    }
}

/// Why a command did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// Program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// It ran longer than its timeout and was killed.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The run was cancelled (SIGINT/SIGTERM) and the command was killed.
    #[error("cancelled")]
    Cancelled,
}

/// Where commands run: this machine or a host over SSH.
pub trait Target: Send + Sync {
    /// A name for logs (`local`, `web1`).
    fn name(&self) -> &str;

    /// Runs `script` with `sh -c` on the target, feeding `stdin`. When `cancel` is given
    /// and set, the command is killed.
    fn run(
        &self,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        cancel: Option<&Cancel>,
    ) -> Result<Output, RunError>;
}

/// This machine.
#[derive(Debug, Clone, Default)]
pub struct Local;

impl Target for Local {
    fn name(&self) -> &'static str {
        "local"
    }

    fn run(
        &self,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        cancel: Option<&Cancel>,
    ) -> Result<Output, RunError> {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        run_command(command, stdin, timeout, cancel)
    }
}

/// Runs a prepared command in its own process group with piped streams, a timeout and
/// cancellation.
pub fn run_command(
    mut command: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
    cancel: Option<&Cancel>,
) -> Result<Output, RunError> {
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|source| RunError::Spawn { program, source })?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let (tx, rx) = mpsc::channel::<(bool, String)>();
    for (is_out, stream) in [
        (
            true,
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ),
        (
            false,
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ),
    ] {
        if let Some(mut stream) = stream {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = stream.read_to_end(&mut buf);
                let _ = tx.send((is_out, String::from_utf8_lossy(&buf).into_owned()));
            });
        }
    }
    drop(tx);
    let started = Instant::now();
    let pgid = child.id();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        let cancelled = cancel.is_some_and(Cancel::is_cancelled);
        if cancelled || started.elapsed() >= timeout {
            kill_group(pgid);
            let _ = child.kill();
            let _ = child.wait();
            return Err(if cancelled {
                RunError::Cancelled
            } else {
                RunError::Timeout(timeout)
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // A background process that kept our pipes open must not hold the run: collect what
    // arrived within a grace period.
    let mut output = Output {
        code: status.and_then(|s| s.code()),
        ..Output::default()
    };
    let grace = Instant::now() + Duration::from_secs(2);
    for _ in 0..2 {
        let left = grace.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, text)) => output.stdout = text,
            Ok((false, text)) => output.stderr = text,
            Err(_) => break,
        }
    }
    Ok(output)
}

fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The script that writes its stdin to `path` atomically (a temporary file in the same
/// directory, then `mv`), creating `dir` first; both already quoted.
pub fn write_file_script(dir: &str, path: &str) -> String {
    format!("mkdir -p {dir} && cat > {path}.$$ && mv -f {path}.$$ {path}")
}

/// Quotes `text` for a POSIX shell. A leading `~/` stays expandable (`"$HOME"/'…'`).
pub fn quote(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("~/") {
        return format!("\"$HOME\"/{}", quote(rest));
    }
    if !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@' | '+' | '=')
        })
    {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The last `max` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_command_captures_output_and_status() {
        let out = Local
            .run(
                "echo hi; echo oops >&2; exit 3",
                None,
                Duration::from_secs(5),
                None,
            )
            .unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.combined(), "hi\noops");
    }

    #[test]
    fn stdin_reaches_the_command() {
        let out = Local
            .run("cat", Some(b"ledger"), Duration::from_secs(5), None)
            .unwrap();
        assert_eq!(out.stdout, "ledger");
    }

    #[test]
    fn a_command_past_its_timeout_is_killed() {
        let started = Instant::now();
        let err = Local
            .run("sleep 30", None, Duration::from_millis(200), None)
            .unwrap_err();
        assert!(matches!(err, RunError::Timeout(_)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_background_child_holding_stdout_does_not_hold_the_run() {
        let started = Instant::now();
        let out = Local
            .run(
                "sleep 4 & echo started",
                None,
                Duration::from_secs(10),
                None,
            )
            .unwrap();
        assert!(out.success());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn quoting_keeps_home_expandable() {
        assert_eq!(quote("~/.slipway/staging"), "\"$HOME\"/.slipway/staging");
        assert_eq!(quote("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        let out = Local
            .run(
                &format!("printf %s {}", quote("a'b c")),
                None,
                Duration::from_secs(5),
                None,
            )
            .unwrap();
        assert_eq!(out.stdout, "a'b c");
    }
}
