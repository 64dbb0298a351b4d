//! The context of one deploy or rollback: output, `--dry-run`, cancellation, and the steps
//! recorded for the JSON document. Every command goes through [`Run::exec`], which prints
//! it instead of running it under `--dry-run` (reads still run: they touch nothing).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use slipway_kit::Ui;

use crate::cancel::Cancel;
use crate::shell::{Output, RunError, Target};

/// What went wrong in a step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A check, command or router change failed; the message names what and where.
    #[error("{0}")]
    Failed(String),
    /// SIGINT or SIGTERM arrived.
    #[error("cancelled by a signal")]
    Cancelled,
    /// Bad input found while running (exit 2, nothing changed).
    #[error("{0}")]
    BadInput(slipway_kit::Failure),
}

impl Error {
    /// A failure with this message.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }
}

impl From<RunError> for Error {
    fn from(err: RunError) -> Self {
        match err {
            RunError::Cancelled => Self::Cancelled,
            other => Self::Failed(other.to_string()),
        }
    }
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// How a command relates to `--dry-run` and cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads state; runs under `--dry-run` too.
    Read,
    /// Changes something; printed, not run, under `--dry-run`; killed on cancel.
    Change,
    /// Restores or releases after a failure or a signal; never killed on cancel.
    Cleanup,
}

/// One recorded step.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// What the step did.
    pub name: String,
    /// `ok`, `failed`, `planned` (dry run) or `cancelled`.
    pub status: &'static str,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// Why it failed, or a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Captured output (smoke commands, hooks), the last 4 KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The context of one run.
#[derive(Debug)]
pub struct Run {
    /// Output.
    pub ui: Ui,
    /// Set by SIGINT/SIGTERM.
    pub cancel: Cancel,
    /// Print every change instead of making it.
    pub dry_run: bool,
    steps: Mutex<Vec<StepRecord>>,
    output: Mutex<Option<String>>,
    cleaning: std::sync::atomic::AtomicBool,
}

impl Run {
    /// A new run.
    pub fn new(ui: Ui, cancel: Cancel, dry_run: bool) -> Self {
        Self {
            ui,
            cancel,
            dry_run,
            steps: Mutex::new(Vec::new()),
            output: Mutex::new(None),
            cleaning: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// From now on the run is putting things back: changes are no longer killed by a
    /// signal and waits no longer stop on one.
    pub fn begin_cleanup(&self) {
        self.cleaning
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether a signal should stop what is running now.
    pub fn interrupted(&self) -> bool {
        self.cancel.is_cancelled() && !self.cleaning.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The steps so far.
    pub fn steps(&self) -> Vec<StepRecord> {
        self.steps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Fails with [`Error::Cancelled`] when a signal arrived.
    pub fn checkpoint(&self) -> Result<()> {
        if self.interrupted() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Attaches output to the current step's record.
    pub fn capture(&self, text: &str) {
        *self
            .output
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(text.to_owned());
    }

    /// Runs `work` as a named step: a `::group::` in CI, a live line with elapsed time on a
    /// terminal, and a record for the document.
    pub fn step<T>(&self, name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let body = || {
            let step = self.ui.step(name);
            let started = Instant::now();
            let result = work();
            let output = self
                .output
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            let (status, detail) = match &result {
                Ok(_) if self.dry_run => ("planned", None),
                Ok(_) => ("ok", None),
                Err(Error::Cancelled) => ("cancelled", Some("cancelled by a signal".to_owned())),
                Err(e) => ("failed", Some(e.to_string())),
            };
            match &detail {
                None => {
                    step.done();
                }
                Some(why) => {
                    step.failed(why);
                }
            }
            self.steps
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(StepRecord {
                    name: name.to_owned(),
                    status,
                    duration_ms: started.elapsed().as_millis() as u64,
                    detail,
                    output,
                });
            result
        };
        if self.ui.is_ci() {
            self.ui.group(name, body)
        } else {
            body()
        }
    }

    /// Runs `script` on `target` according to `mode`. Under `--dry-run` a change is printed
    /// (`would run on HOST: …`) and reported as success with empty output.
    pub fn exec(
        &self,
        target: &dyn Target,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        mode: Mode,
    ) -> Result<Output> {
        if self.dry_run && mode != Mode::Read {
            self.ui
                .detail(&format!("would run on {}: {script}", target.name()));
            return Ok(Output {
                code: Some(0),
                ..Output::default()
            });
        }
        tracing::debug!(host = target.name(), "{script}");
        let cancellable =
            mode == Mode::Change && !self.cleaning.load(std::sync::atomic::Ordering::SeqCst);
        let cancel = cancellable.then_some(&self.cancel);
        Ok(target.run(script, stdin, timeout, cancel)?)
    }

    /// Like [`Run::exec`], failing unless the command exits 0; the error names the host and
    /// quotes the output.
    pub fn exec_ok(
        &self,
        target: &dyn Target,
        what: &str,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        mode: Mode,
    ) -> Result<Output> {
        let out = self
            .exec(target, script, stdin, timeout, mode)
            .map_err(|e| match e {
                Error::Failed(m) => Error::failed(format!("{what} on {}: {m}", target.name())),
                other => other,
            })?;
        if out.success() {
            Ok(out)
        } else {
            let code = out
                .code
                .map_or_else(|| "a signal".to_owned(), |c| c.to_string());
            let text = out.combined();
            Err(Error::failed(if text.is_empty() {
                format!("{what} on {} exited with {code}", target.name())
            } else {
                format!("{what} on {} exited with {code}: {text}", target.name())
            }))
        }
    }
}
