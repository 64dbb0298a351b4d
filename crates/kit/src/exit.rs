//! Exit codes shared by every binary (DESIGN.md §2) and the error that carries one.

use std::fmt;

/// The process exit status every Slipway binary uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exit {
    /// The work ran and the answer is yes.
    Success = 0,
    /// The work ran and the answer is no: gate failed, deploy failed and was rolled back,
    /// a delivery failed under `--fail-on-error`, nothing releasable.
    No = 1,
    /// Bad input: usage, config, unreadable or malformed file. Nothing was changed.
    BadInput = 2,
    /// Unsafe state that needs a person: a rollback failed too, a lock held by a live owner.
    Unsafe = 3,
}

impl Exit {
    /// The numeric process status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// An error with its exit code, a one-line cause and what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Which exit code the process ends with.
    pub exit: Exit,
    /// One line: what happened, naming the file, field or host.
    pub cause: String,
    /// What to do about it, when we know.
    pub help: Option<String>,
}

impl Failure {
    /// A bad-input failure (exit 2): nothing was changed.
    pub fn bad_input(cause: impl Into<String>) -> Self {
        Self {
            exit: Exit::BadInput,
            cause: cause.into(),
            help: None,
        }
    }

    /// A failure of the work itself (exit 1).
    pub fn no(cause: impl Into<String>) -> Self {
        Self {
            exit: Exit::No,
            cause: cause.into(),
            help: None,
        }
    }

    /// An unsafe state that needs a person (exit 3).
    pub fn unsafe_state(cause: impl Into<String>) -> Self {
        Self {
            exit: Exit::Unsafe,
            cause: cause.into(),
            help: None,
        }
    }

    /// Adds the line that says what to do next.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cause)?;
        if let Some(help) = &self.help {
            write!(f, " — {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// The exit code for an error chain: the first [`Failure`] in it decides, else
/// clap usage errors are bad input, else the work failed (exit 1).
pub fn exit_for(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return failure.exit;
        }
        if cause.downcast_ref::<clap::Error>().is_some() {
            return Exit::BadInput;
        }
    }
    Exit::No
}

/// The one-line message for an error chain: outer context first, then causes, then help.
pub fn message_for(err: &anyhow::Error) -> (String, Option<String>) {
    let mut parts: Vec<String> = Vec::new();
    let mut help = None;
    for cause in err.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            parts.push(failure.cause.clone());
            if help.is_none() {
                help.clone_from(&failure.help);
            }
        } else {
            parts.push(cause.to_string());
        }
    }
    parts.dedup();
    (parts.join(": "), help)
}

/// Turns the result of a binary's `run` into its process exit code, printing the error
/// (cause, then `help:`) through `ui` when there is one.
pub fn finish(ui: &crate::Ui, result: anyhow::Result<Exit>) -> std::process::ExitCode {
    match result {
        Ok(exit) => exit.into(),
        Err(err) => {
            let exit = exit_for(&err);
            let (cause, help) = message_for(&err);
            ui.fatal(&cause, help.as_deref());
            exit.into()
        }
    }
}

/// The whole `main` of a Slipway binary: parses the command line (usage errors exit 2,
/// `--help` and `--version` exit 0), starts logging (`verbose(cli)` raises the level),
/// detects the output mode, runs `run` and turns its result into the exit code.
pub fn main<C: clap::Parser>(
    verbose: impl Fn(&C) -> bool,
    run: impl FnOnce(&C, &crate::Ui) -> anyhow::Result<Exit>,
) -> std::process::ExitCode {
    let cli = match C::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::BadInput.into()
            } else {
                Exit::Success.into()
            };
        }
    };
    crate::log::init(verbose(&cli));
    let ui = crate::Ui::detect();
    finish(&ui, run(&cli, &ui))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_inside_context_keeps_its_exit_code_and_help() {
        let err = anyhow::Error::new(
            Failure::bad_input("slipway.toml:3: unknown key `foo`").help("remove it"),
        )
        .context("loading config");
        assert_eq!(exit_for(&err), Exit::BadInput);
        let (cause, help) = message_for(&err);
        assert_eq!(cause, "loading config: slipway.toml:3: unknown key `foo`");
        assert_eq!(help.as_deref(), Some("remove it"));
    }

    #[test]
    fn plain_errors_mean_the_work_failed() {
        let err = anyhow::anyhow!("connection refused");
        assert_eq!(exit_for(&err), Exit::No);
    }
}
