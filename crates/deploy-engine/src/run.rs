//! The context of one deploy or rollback: output, `--dry-run`, cancellation, and the steps
//! recorded for the JSON document. Every command goes through [`Run::exec`], which prints
//! it instead of running it under `--dry-run` (reads still run: they touch nothing).

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::ThreadId;
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
    /// A failure with its own exit code and help line: bad input found while running (exit
    /// 2, nothing changed), or a state a person must look at (exit 3, e.g. a file at the
    /// lock path).
    #[error("{0}")]
    BadInput(slipway_kit::Failure),
}

impl Error {
    /// A failure with this message.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }

    /// The failure a command reports for this error: its own exit code and help when it
    /// carries them, else "the answer is no" (exit 1).
    pub fn into_failure(self) -> slipway_kit::Failure {
        match self {
            Self::BadInput(f) => f,
            other => slipway_kit::Failure::no(other.to_string()),
        }
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
    /// Captured output per thread (per-host steps run on their own threads).
    output: Mutex<HashMap<ThreadId, String>>,
    /// Steps of per-host threads, held back to be printed in host order.
    held: Mutex<HashMap<ThreadId, Vec<StepRecord>>>,
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
            output: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            cleaning: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// From now on the run is putting things back: changes are no longer killed by a
    /// signal and waits no longer stop on one.
    pub fn begin_cleanup(&self) {
        self.cleaning
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The bound of one of the user's commands (stop, `on_failure` hooks): after a signal,
    /// putting things back races GitHub's SIGKILL, so it gets only what is left of the
    /// cleanup budget ([`crate::cancel::CLEANUP_BUDGET`]). The engine's own commands
    /// (router, ledger, lock) keep their bounds: they are short and must not be starved.
    pub fn after_signal(&self, timeout: Duration) -> Duration {
        self.cancel
            .cleanup_left()
            .map_or(timeout, |left| timeout.min(left))
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
        self.output
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(std::thread::current().id(), text.to_owned());
    }

    fn take_output(&self) -> Option<String> {
        self.output
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&std::thread::current().id())
    }

    fn record<T>(&self, name: &str, started: Instant, result: &Result<T>) -> StepRecord {
        let (status, detail) = match result {
            Ok(_) if self.dry_run => ("planned", None),
            Ok(_) => ("ok", None),
            Err(Error::Cancelled) => ("cancelled", Some("cancelled by a signal".to_owned())),
            Err(e) => ("failed", Some(e.to_string())),
        };
        StepRecord {
            name: name.to_owned(),
            status,
            duration_ms: started.elapsed().as_millis() as u64,
            detail,
            output: self.take_output(),
        }
    }

    /// Prints a step finished on another thread and adds it to the document.
    fn emit(&self, record: StepRecord) {
        let line = || {
            let ms = u128::from(record.duration_ms);
            match &record.detail {
                None => self.ui.success(&format!(
                    "{} ({})",
                    record.name,
                    slipway_kit::ui::format_ms(ms)
                )),
                Some(why) => self.ui.info(&format!(
                    "✗ {} ({}): {why}",
                    record.name,
                    slipway_kit::ui::format_ms(ms)
                )),
            }
        };
        if self.ui.is_ci() {
            self.ui.group(&record.name, line);
        } else {
            line();
        }
        self.steps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(record);
    }

    /// Runs `work` for every host at once, one thread per host, and returns the results
    /// in host order. Steps taken on those threads are held back and printed in host
    /// order once all are done, so the output reads as if the hosts went one by one.
    /// Under `--dry-run`, or with one host, the hosts go one after another (the planned
    /// commands print in a fixed order) and the first failure stops the rest.
    pub fn each_host<T: Send>(
        &self,
        title: &str,
        hosts: &[String],
        work: impl Fn(&str) -> Result<T> + Sync,
    ) -> Vec<Result<T>> {
        if self.dry_run || hosts.len() < 2 {
            let mut results = Vec::new();
            for host in hosts {
                let result = work(host);
                let failed = result.is_err();
                results.push(result);
                if failed {
                    break;
                }
            }
            return results;
        }
        self.ui
            .info(&format!("▸ {title} on {} hosts at once", hosts.len()));
        let work = &work;
        let outcomes: Vec<(Result<T>, Vec<StepRecord>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = hosts
                .iter()
                .map(|host| {
                    scope.spawn(move || {
                        let me = std::thread::current().id();
                        self.held
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .insert(me, Vec::new());
                        let result = work(host);
                        let _ = self.take_output();
                        let held = self
                            .held
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .remove(&me)
                            .unwrap_or_default();
                        (result, held)
                    })
                })
                .collect();
            handles
                .into_iter()
                .zip(hosts)
                .map(|(handle, host)| {
                    handle.join().unwrap_or_else(|_| {
                        (
                            Err(Error::failed(format!("the step on {host} panicked"))),
                            Vec::new(),
                        )
                    })
                })
                .collect()
        });
        outcomes
            .into_iter()
            .map(|(result, held)| {
                for record in held {
                    self.emit(record);
                }
                result
            })
            .collect()
    }

    /// Runs `work` as a named step: a `::group::` in CI, a live line with elapsed time on a
    /// terminal, and a record for the document.
    pub fn step<T>(&self, name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let me = std::thread::current().id();
        let held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains_key(&me);
        if held {
            let started = Instant::now();
            let result = work();
            let record = self.record(name, started, &result);
            if let Some(list) = self
                .held
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get_mut(&me)
            {
                list.push(record);
            }
            return result;
        }
        let body = || {
            let step = self.ui.step(name);
            let started = Instant::now();
            let result = work();
            let record = self.record(name, started, &result);
            match &record.detail {
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
                .push(record);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dry_run: bool) -> Run {
        Run::new(Ui::detect().quiet(true), Cancel::new(), dry_run)
    }

    fn hosts() -> Vec<String> {
        ["h1", "h2", "h3"].map(String::from).to_vec()
    }

    #[test]
    fn hosts_run_at_once_and_their_steps_are_recorded_in_host_order() {
        let run = run(false);
        let barrier = std::sync::Barrier::new(3);
        let results = run.each_host("work", &hosts(), |host| {
            // Every host waits for the others: this only returns if they run at once.
            barrier.wait();
            if host == "h1" {
                std::thread::sleep(Duration::from_millis(50));
            }
            run.step(&format!("work on {host}"), || {
                run.capture(&format!("out of {host}"));
                if host == "h2" {
                    Err(Error::failed("work on h2 exited with 1"))
                } else {
                    Ok(host.len())
                }
            })
        });
        assert!(results[0].is_ok() && results[2].is_ok());
        assert_eq!(
            results[1].as_ref().unwrap_err().to_string(),
            "work on h2 exited with 1"
        );
        let steps = run.steps();
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["work on h1", "work on h2", "work on h3"]);
        assert_eq!(steps[1].status, "failed");
        assert_eq!(steps[2].output.as_deref(), Some("out of h3"));
    }

    #[test]
    fn dry_run_goes_host_by_host_and_stops_at_the_first_failure() {
        let run = run(true);
        let order = Mutex::new(Vec::new());
        let results = run.each_host("work", &hosts(), |host| {
            order.lock().unwrap().push(host.to_owned());
            if host == "h2" {
                Err(Error::failed("h2 refused"))
            } else {
                Ok(())
            }
        });
        assert_eq!(results.len(), 2);
        assert_eq!(*order.lock().unwrap(), ["h1", "h2"]);
    }
}
