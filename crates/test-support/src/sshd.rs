//! An OpenSSH server on loopback, for deploys to "remote" hosts.
//!
//! [`Sshd::start`] creates a temporary directory with a fresh ed25519 host
//! key, a client key pair authorised for the current user, `known_hosts`
//! holding the host key for `[127.0.0.1]:PORT`, an `sshd_config`
//! (`ListenAddress 127.0.0.1`, `UsePAM no`, `StrictModes no`,
//! `PasswordAuthentication no`, `PermitRootLogin prohibit-password`, pid
//! file and authorized keys inside the directory) and an `ssh_config` with a
//! `Host` entry for it, then runs `/usr/sbin/sshd -D -e -f CONFIG`. Every
//! session gets a [`Reaper`] marker (`SetEnv`), so processes a test starts
//! over SSH (a service in the background) are stopped when the fixture drops. It creates
//! `/run/sshd` (sshd's privilege-separation directory) when it is missing.
//!
//! ```no_run
//! use slipway_test_support::sshd::Sshd;
//! let sshd = Sshd::start();
//! let out = sshd.ssh_command("echo hello").output().unwrap();
//! assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n");
//! ```
//!
//! Code that runs `ssh` itself can use [`Sshd::ssh_options`] (`-o …`, `-i`,
//! `-p`) and [`Sshd::destination`], or `ssh -F` [`Sshd::ssh_config_file`]
//! [`Sshd::host_alias`].

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::{ServerProcess, run_checked};
use crate::program;
use crate::reaper::Reaper;

/// The `Host` alias written to [`Sshd::ssh_config_file`].
pub const HOST_ALIAS: &str = "slipway-test-host";

/// A running sshd, stopped on drop.
pub struct Sshd {
    // Field order is drop order: the server first, then its sessions' processes.
    process: ServerProcess,
    reaper: Reaper,
    dir: TempDir,
    port: u16,
    user: String,
}

impl Sshd {
    /// Generates keys and configuration and starts sshd on a free port.
    pub fn start() -> Self {
        let sshd = program::find("sshd")
            .or_else(|| Some(PathBuf::from("/usr/sbin/sshd")).filter(|p| p.is_file()))
            .unwrap_or_else(|| panic!("{}", program::missing_message("sshd")));
        let keygen = program::require("ssh-keygen");
        program::require("ssh");
        let dir = tempfile::Builder::new()
            .prefix("slipway-sshd-")
            .tempdir()
            .expect("create a temporary directory");
        let d = dir.path();
        let port = free_port();
        let user = current_user();
        let reaper = Reaper::new();

        let _ = std::fs::create_dir_all("/run/sshd");
        for (file, comment) in [
            ("host_ed25519", "slipway-test-host-key"),
            ("id_ed25519", "slipway-test-client"),
        ] {
            let mut command = Command::new(&keygen);
            command
                .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
                .arg(d.join(file));
            run_checked("ssh-keygen", &mut command);
        }
        let client_public =
            std::fs::read_to_string(d.join("id_ed25519.pub")).expect("read the client public key");
        std::fs::write(d.join("authorized_keys"), client_public).expect("write authorized_keys");
        let host_public =
            std::fs::read_to_string(d.join("host_ed25519.pub")).expect("read the host public key");
        let host_key = host_public
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        std::fs::write(
            d.join("known_hosts"),
            format!("[127.0.0.1]:{port} {host_key}\n"),
        )
        .expect("write known_hosts");

        let dd = d.display();
        let config = format!(
            "# written by slipway-test-support\n\
             Port {port}\n\
             ListenAddress 127.0.0.1\n\
             HostKey {dd}/host_ed25519\n\
             PidFile {dd}/sshd.pid\n\
             AuthorizedKeysFile {dd}/authorized_keys\n\
             UsePAM no\n\
             StrictModes no\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\n\
             AllowUsers {user}\n\
             AllowTcpForwarding yes\n\
             PrintMotd no\n\
             LogLevel VERBOSE\n\
             SetEnv {marker}\n\
             Subsystem sftp internal-sftp\n",
            marker = reaper.assignment(),
        );
        std::fs::write(d.join("sshd_config"), config).expect("write sshd_config");
        let client_config = format!(
            "Host {HOST_ALIAS}\n\
             \x20 HostName 127.0.0.1\n\
             \x20 Port {port}\n\
             \x20 User {user}\n\
             \x20 IdentityFile {dd}/id_ed25519\n\
             \x20 IdentitiesOnly yes\n\
             \x20 UserKnownHostsFile {dd}/known_hosts\n\
             \x20 GlobalKnownHostsFile /dev/null\n\
             \x20 StrictHostKeyChecking yes\n\
             \x20 BatchMode yes\n\
             \x20 LogLevel ERROR\n"
        );
        std::fs::write(d.join("ssh_config"), client_config).expect("write ssh_config");

        let mut command = Command::new(sshd);
        command.args(["-D", "-e", "-f"]).arg(d.join("sshd_config"));
        let mut process = ServerProcess::spawn("sshd", command, &d.join("sshd.log"));
        process.wait_until(
            &format!("an SSH banner on 127.0.0.1:{port}"),
            Duration::from_secs(10),
            || ssh_banner(port),
        );
        Self {
            process,
            reaper,
            dir,
            port,
            user,
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user to log in as (the current user; root here).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// `USER@127.0.0.1`.
    pub fn destination(&self) -> String {
        format!("{}@127.0.0.1", self.user)
    }

    /// The client's private key.
    pub fn identity_file(&self) -> PathBuf {
        self.dir.path().join("id_ed25519")
    }

    /// The known_hosts file holding the host key for `[127.0.0.1]:PORT`.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// An ssh client config with a `Host` [`HOST_ALIAS`] entry for this
    /// server: `ssh -F FILE slipway-test-host CMD` logs in.
    pub fn ssh_config_file(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }

    /// The `Host` alias in [`Sshd::ssh_config_file`].
    pub fn host_alias(&self) -> &'static str {
        HOST_ALIAS
    }

    /// The temporary directory (keys, configs, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The options that reach this server without prompts:
    /// `-F /dev/null -o BatchMode=yes -o UserKnownHostsFile=… -o
    /// GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o
    /// IdentitiesOnly=yes -o LogLevel=ERROR -i KEY -p PORT`.
    pub fn ssh_options(&self) -> Vec<String> {
        vec![
            "-F".into(),
            "/dev/null".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts().display()),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "-i".into(),
            self.identity_file().display().to_string(),
            "-p".into(),
            self.port.to_string(),
        ]
    }

    /// `ssh OPTIONS USER@127.0.0.1 REMOTE_CMD`, ready to run.
    pub fn ssh_command(&self, remote_cmd: &str) -> Command {
        let mut command = Command::new(program::require("ssh"));
        command
            .args(self.ssh_options())
            .arg(self.destination())
            .arg(remote_cmd);
        command
    }

    /// The marker every session carries (`SetEnv`): processes started over
    /// SSH are stopped with the fixture, after sshd itself.
    pub fn reaper(&self) -> &Reaper {
        &self.reaper
    }

    /// The server's log (`-e`: to stderr, captured).
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// Whether 127.0.0.1:`port` sends an SSH identification line.
fn ssh_banner(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(
        &([127, 0, 0, 1], port).into(),
        Duration::from_millis(200),
    ) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0_u8; 4];
    stream.read_exact(&mut buf).is_ok() && &buf == b"SSH-"
}

/// The current user's name (`id -un`), falling back to `$USER`, then root.
fn current_user() -> String {
    Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|u| !u.is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "root".to_owned())
}
