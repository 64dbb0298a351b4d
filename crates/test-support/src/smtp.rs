//! An SMTP server that keeps every message it receives: aiosmtpd.
//!
//! [`SmtpServer::start`] runs `python -m aiosmtpd -n -u -l 127.0.0.1:PORT -c
//! aiosmtpd.handlers.Mailbox DIR/maildir` with the Python of the tools venv
//! (`$SLIPWAY_TOOLS/venv`). No authentication. Each message is stored in the
//! maildir with the envelope added as `X-MailFrom`, `X-RcptTo` and `X-Peer`
//! headers.
//!
//! Three [`SmtpMode`]s: `Plain` (the default of [`SmtpServer::start`]: point
//! the mailer at `127.0.0.1:PORT` in plain SMTP), `StartTls` (`--tlscert`:
//! STARTTLS offered and required before `MAIL`) and `ImplicitTls`
//! (`--smtpscert`: TLS from the first byte, like port 465). For both TLS
//! modes the fixture makes a throwaway CA and a server certificate for
//! `127.0.0.1` and `localhost` with `openssl` in its temp dir; trust
//! [`SmtpServer::ca_cert_path`] in the client.
//!
//! ```no_run
//! use std::time::Duration;
//! use slipway_test_support::smtp::SmtpServer;
//! let smtp = SmtpServer::start();
//! // … send mail to 127.0.0.1:smtp.port() …
//! let messages = smtp.wait_for_messages(1, Duration::from_secs(5));
//! assert!(messages[0].contains("Subject: Deployed"));
//!
//! use slipway_test_support::smtp::SmtpMode;
//! let smtps = SmtpServer::start_with(SmtpMode::ImplicitTls);
//! let ca_pem = std::fs::read(smtps.ca_cert_path().unwrap()).unwrap();
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::{ServerProcess, port_open};
use crate::program;

/// How the server talks to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpMode {
    /// Plain SMTP, no TLS offered.
    #[default]
    Plain,
    /// Plain greeting, STARTTLS offered and required before `MAIL FROM`.
    StartTls,
    /// TLS from the first byte (SMTPS, what port 465 speaks).
    ImplicitTls,
}

/// A running aiosmtpd, stopped on drop.
pub struct SmtpServer {
    process: ServerProcess,
    dir: TempDir,
    port: u16,
    mode: SmtpMode,
}

impl SmtpServer {
    /// Starts aiosmtpd in plain SMTP on a free port with an empty maildir.
    pub fn start() -> Self {
        Self::start_with(SmtpMode::Plain)
    }

    /// Starts aiosmtpd in `mode` on a free port with an empty maildir; for
    /// the TLS modes, with a fresh CA and server certificate.
    pub fn start_with(mode: SmtpMode) -> Self {
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
        if mode != SmtpMode::Plain {
            let (cert, key) = make_certificates(dir.path(), port);
            let (cert_flag, key_flag) = if mode == SmtpMode::StartTls {
                ("--tlscert", "--tlskey")
            } else {
                ("--smtpscert", "--smtpskey")
            };
            command.arg(cert_flag).arg(cert).arg(key_flag).arg(key);
        }
        let mut process =
            ServerProcess::spawn("aiosmtpd", command, &dir.path().join("aiosmtpd.log"));
        if mode == SmtpMode::ImplicitTls {
            // The greeting comes inside TLS; aiosmtpd listens once the
            // certificate is loaded, so an open port means ready.
            process.wait_until(
                &format!("aiosmtpd (SMTPS) listening on 127.0.0.1:{port}"),
                Duration::from_secs(15),
                || port_open(port),
            );
        } else {
            process.wait_until(
                &format!("an SMTP greeting on 127.0.0.1:{port}"),
                Duration::from_secs(15),
                || smtp_greeting(port),
            );
        }
        Self {
            process,
            dir,
            port,
            mode,
        }
    }

    /// The mode the server was started in.
    pub fn mode(&self) -> SmtpMode {
        self.mode
    }

    /// The PEM certificate of the throwaway CA that signed the server's
    /// certificate (for `127.0.0.1` and `localhost`); `None` in plain mode.
    pub fn ca_cert_path(&self) -> Option<PathBuf> {
        (self.mode != SmtpMode::Plain).then(|| self.dir.path().join("ca.pem"))
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

/// Makes the throwaway CA and the server certificate in `dir` ([`crate::tls`]); returns
/// the server certificate and key paths.
fn make_certificates(dir: &Path, port: u16) -> (PathBuf, PathBuf) {
    let certs = crate::tls::Certificates::make(dir, u32::from(port));
    (certs.cert, certs.key)
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
