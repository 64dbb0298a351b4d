//! An SMTP server that keeps every message it receives: aiosmtpd.
//!
//! [`SmtpServer::start`] runs `python -m aiosmtpd -n -u -l 127.0.0.1:PORT -c
//! aiosmtpd.handlers.Mailbox DIR/maildir` with the Python of the tools venv
//! (`$SLIPWAY_TOOLS/venv`). No TLS and no authentication: point the mailer
//! at `127.0.0.1:PORT` in plain SMTP. Each message is stored in the maildir
//! with the envelope added as `X-MailFrom`, `X-RcptTo` and `X-Peer` headers.
//!
//! ```no_run
//! use std::time::Duration;
//! use slipway_test_support::smtp::SmtpServer;
//! let smtp = SmtpServer::start();
//! // … send mail to 127.0.0.1:smtp.port() …
//! let messages = smtp.wait_for_messages(1, Duration::from_secs(5));
//! assert!(messages[0].contains("Subject: Deployed"));
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::ServerProcess;
use crate::program;

/// A running aiosmtpd, stopped on drop.
pub struct SmtpServer {
    process: ServerProcess,
    dir: TempDir,
    port: u16,
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port with an empty maildir.
    pub fn start() -> Self {
        let python = program::venv_python();
        let mut probe = Command::new(&python);
        probe.args(["-c", "import aiosmtpd"]);
        let has_aiosmtpd = probe.output().is_ok_and(|o| o.status.success());
        assert!(has_aiosmtpd, "{}", program::missing_message("aiosmtpd"));
        let dir = tempfile::Builder::new()
            .prefix("slipway-smtp-")
            .tempdir()
            .expect("create a temporary directory");
        let port = free_port();
        let mut command = Command::new(python);
        command
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-u",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("maildir"))
            .env("PYTHONUNBUFFERED", "1");
        let mut process =
            ServerProcess::spawn("aiosmtpd", command, &dir.path().join("aiosmtpd.log"));
        process.wait_until(
            &format!("an SMTP greeting on 127.0.0.1:{port}"),
            Duration::from_secs(15),
            || smtp_greeting(port),
        );
        Self { process, dir, port }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The maildir the messages land in.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    /// Every message received so far, oldest first, as raw RFC 822 text.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<(SystemTime, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir().join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                files.push((modified, entry.path()));
            }
        }
        files.sort();
        files
            .iter()
            .filter_map(|(_, path)| read_lossy(path))
            .collect()
    }

    /// Waits until at least `n` messages have arrived and returns them all;
    /// panics with the server log after `timeout`.
    pub fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                self.process.fail(&format!(
                    "expected {n} messages within {timeout:?}, got {}",
                    messages.len()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log.
    pub fn log(&self) -> String {
        self.process.log()
    }
}

fn read_lossy(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether 127.0.0.1:`port` greets with `220`.
fn smtp_greeting(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(
        &([127, 0, 0, 1], port).into(),
        Duration::from_millis(200),
    ) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0_u8; 3];
    let greeted = stream.read_exact(&mut buf).is_ok() && &buf == b"220";
    let _ = std::io::Write::write_all(&mut stream, b"QUIT\r\n");
    greeted
}
