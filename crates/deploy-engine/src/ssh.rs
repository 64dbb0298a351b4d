//! Hosts over SSH through the system `ssh` client: the user's keys, agent and known_hosts
//! (or a key from an environment variable, written to a 0600 temporary file), `BatchMode`
//! so nothing prompts, host-key checking on unless configured off, and ControlMaster
//! multiplexing so ten hosts do not pay ten handshakes per step. The control sockets live
//! in a private temporary directory and the masters are closed when the session drops.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use slipway_kit::Failure;

use crate::cancel::Cancel;
use crate::config::{SshConfig, SshTarget};
use crate::shell::{Output, RunError, Target, quote, run_command};

/// Shared SSH state for one run: options, the key file and the control directory.
#[derive(Debug)]
pub struct SshSession {
    options: Vec<String>,
    control_dir: tempfile::TempDir,
    _key: Option<tempfile::NamedTempFile>,
    used: std::sync::Mutex<Vec<Vec<String>>>,
}

impl SshSession {
    /// Prepares options from config; reads the key from `key_env` when set.
    pub fn new(config: &SshConfig) -> Result<Arc<Self>, Failure> {
        let control_dir = tempfile::Builder::new()
            .prefix("slw-ssh-")
            .tempdir_in("/tmp")
            .or_else(|_| tempfile::tempdir())
            .map_err(|e| {
                Failure::bad_input(format!("cannot create an SSH control directory: {e}"))
            })?;
        let _ =
            std::fs::set_permissions(control_dir.path(), std::fs::Permissions::from_mode(0o700));
        let mut options: Vec<String> = Vec::new();
        if let Some(file) = &config.config_file {
            options.extend(["-F".into(), file.clone()]);
        }
        let mut o = |opt: String| {
            options.push("-o".into());
            options.push(opt);
        };
        o("BatchMode=yes".into());
        o("ControlMaster=auto".into());
        o(format!("ControlPath={}/%C", control_dir.path().display()));
        o(format!(
            "ControlPersist={}",
            config.control_persist.as_std().as_secs().max(1)
        ));
        o(format!(
            "ConnectTimeout={}",
            config.connect_timeout.as_std().as_secs().max(1)
        ));
        o("ServerAliveInterval=15".into());
        o("LogLevel=ERROR".into());
        if config.strict_host_key_checking {
            o("StrictHostKeyChecking=yes".into());
        } else {
            o("StrictHostKeyChecking=no".into());
            o("UserKnownHostsFile=/dev/null".into());
        }
        if let Some(known) = &config.known_hosts {
            if config.strict_host_key_checking {
                o(format!("UserKnownHostsFile={known}"));
            }
        }
        for extra in &config.options {
            o(extra.clone());
        }
        let key = match &config.key_env {
            None => None,
            Some(var) => {
                let value = std::env::var(var).map_err(|_| {
                    Failure::bad_input(format!(
                        "ssh.key_env names {var}, which is not set"
                    ))
                    .help(format!("export {var} with the private key, or remove ssh.key_env to use your own keys"))
                })?;
                let mut file = tempfile::Builder::new()
                    .prefix("slw-key-")
                    .tempfile()
                    .map_err(|e| {
                        Failure::bad_input(format!("cannot write the SSH key file: {e}"))
                    })?;
                let _ = file
                    .as_file()
                    .set_permissions(std::fs::Permissions::from_mode(0o600));
                let mut text = value.replace("\r\n", "\n");
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                file.write_all(text.as_bytes()).map_err(|e| {
                    Failure::bad_input(format!("cannot write the SSH key file: {e}"))
                })?;
                options.extend([
                    "-i".into(),
                    file.path().display().to_string(),
                    "-o".into(),
                    "IdentitiesOnly=yes".into(),
                ]);
                Some(file)
            }
        };
        Ok(Arc::new(Self {
            options,
            control_dir,
            _key: key,
            used: std::sync::Mutex::new(Vec::new()),
        }))
    }

    /// The `ssh` arguments for `target` before the remote command.
    fn args(&self, target: &SshTarget) -> Vec<String> {
        let mut args = self.options.clone();
        if let Some(port) = target.port {
            args.extend(["-p".into(), port.to_string()]);
        }
        args.push(target.destination());
        args
    }

    /// The directory of the control sockets.
    pub fn control_dir(&self) -> PathBuf {
        self.control_dir.path().to_owned()
    }
}

impl Drop for SshSession {
    fn drop(&mut self) {
        let used = std::mem::take(
            &mut *self
                .used
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for args in used {
            let _ = Command::new("ssh")
                .args(["-O", "exit"])
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A host over SSH.
#[derive(Debug, Clone)]
pub struct Ssh {
    name: String,
    target: SshTarget,
    session: Arc<SshSession>,
}

impl Ssh {
    /// A host reached through `session`.
    pub fn new(name: &str, target: SshTarget, session: Arc<SshSession>) -> Self {
        Self {
            name: name.to_owned(),
            target,
            session,
        }
    }
}

impl Target for Ssh {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(
        &self,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        cancel: Option<&Cancel>,
    ) -> Result<Output, RunError> {
        let args = self.session.args(&self.target);
        {
            let mut used = self
                .session
                .used
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !used.contains(&args) {
                used.push(args.clone());
            }
        }
        let mut command = Command::new("ssh");
        command.args(&args).arg(format!("sh -c {}", quote(script)));
        let out = run_command(command, stdin, timeout, cancel)?;
        // ssh exits 255 when it could not connect or authenticate.
        if out.code == Some(255) && !out.stderr.is_empty() {
            return Ok(Output {
                stderr: format!(
                    "ssh to {}: {}",
                    self.target.destination(),
                    out.stderr.trim()
                ),
                ..out
            });
        }
        Ok(out)
    }
}
