//! Finding the external programs the fixtures run.
//!
//! A program is looked up, in order, in `$PATH`, in the tools cache
//! (`$SLIPWAY_TOOLS`, default `~/.cache/slipway-tools`: `venv/bin` and
//! `npm/node_modules/.bin`) and in `/usr/sbin`, `/usr/local/sbin`, `/sbin`.
//! A missing program is a test failure with the command that installs it,
//! never a silent skip.

use std::path::{Path, PathBuf};

/// The tools cache that `scripts/install-deps.sh` fills:
/// `$SLIPWAY_TOOLS`, or `~/.cache/slipway-tools`.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SLIPWAY_TOOLS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache").join("slipway-tools")
}

/// The directories searched after `$PATH`.
fn extra_dirs() -> Vec<PathBuf> {
    let tools = tools_dir();
    vec![
        tools.join("venv").join("bin"),
        tools.join("npm").join("node_modules").join(".bin"),
        PathBuf::from("/usr/sbin"),
        PathBuf::from("/usr/local/sbin"),
        PathBuf::from("/sbin"),
    ]
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Looks `name` up in `$PATH`, then the tools cache, then the sbin
/// directories. Returns `None` when it is nowhere.
pub fn find(name: &str) -> Option<PathBuf> {
    let path_dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(extra_dirs())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Looks `name` up like [`find`] and panics when it is missing, naming the
/// package that provides it: `nginx not found: run scripts/install-deps.sh
/// (apt-get install nginx)`.
pub fn require(name: &str) -> PathBuf {
    find(name).unwrap_or_else(|| panic!("{}", missing_message(name)))
}

/// Finds the Python interpreter of the tools venv (where `aiosmtpd` lives).
/// Panics with the install command when the venv is missing.
pub fn venv_python() -> PathBuf {
    let python = tools_dir().join("venv").join("bin").join("python3");
    if is_executable(&python) {
        python
    } else {
        panic!("{}", missing_message("python3 venv"))
    }
}

/// The one-line message for a missing program: what is missing and the
/// command that installs it.
pub fn missing_message(name: &str) -> String {
    let how = match name {
        "nginx" => "apt-get install nginx",
        "sshd" | "ssh-keygen" => "apt-get install openssh-server openssh-client",
        "ssh" => "apt-get install openssh-client",
        "prometheus" => "apt-get install prometheus",
        "mosquitto" => "apt-get install mosquitto",
        "mosquitto_sub" | "mosquitto_pub" => "apt-get install mosquitto-clients",
        "haproxy" => "apt-get install haproxy",
        "wrk" => "apt-get install wrk",
        "git" => "apt-get install git",
        "prism" => "npm install @stoplight/prism-cli in $SLIPWAY_TOOLS/npm",
        "@octokit/openapi" => "npm install @octokit/openapi in $SLIPWAY_TOOLS/npm",
        "aiosmtpd" => "pip install aiosmtpd in $SLIPWAY_TOOLS/venv",
        "python3 venv" => "python3 -m venv $SLIPWAY_TOOLS/venv",
        "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" => {
            "scripts/build-kube.sh builds the control plane into $SLIPWAY_TOOLS/kube/bin"
        }
        "kubectl" => "apt-get install kubernetes-client",
        _ => "see scripts/install-deps.sh",
    };
    format!("{name} not found: run scripts/install-deps.sh ({how})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_on_path() {
        assert!(find("sh").is_some());
    }

    #[test]
    fn missing_program_names_the_install_command() {
        assert_eq!(
            missing_message("nginx"),
            "nginx not found: run scripts/install-deps.sh (apt-get install nginx)"
        );
        let err =
            std::panic::catch_unwind(|| require("slipway-no-such-program")).expect_err("panics");
        let msg = err.downcast_ref::<String>().expect("string panic");
        assert!(
            msg.starts_with("slipway-no-such-program not found: run scripts/install-deps.sh"),
            "{msg}"
        );
    }
}
