//! Checks: HTTP health of a slot (status, body substring, interval, timeout, N consecutive
//! failures, one retry on a connection reset) and smoke commands with their output
//! captured into the report.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::config::HealthConfig;
use crate::http;
use crate::router::Backend;
use crate::run::{Error, Mode, Result, Run};
use crate::shell::Local;
use crate::template::Vars;

/// An HTTP health check of one backend.
#[derive(Debug, Clone)]
pub struct Health<'a> {
    config: &'a HealthConfig,
    environment: &'a str,
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    Healthy,
    /// It answered, wrongly.
    Unhealthy(String),
    /// Nothing answered (refused, timed out).
    Unreachable(String),
}

impl<'a> Health<'a> {
    /// A check as configured.
    pub fn new(config: &'a HealthConfig, environment: &'a str) -> Self {
        Self {
            config,
            environment,
        }
    }

    /// The URL for `backend`.
    pub fn url(&self, backend: &Backend) -> String {
        Vars::new()
            .with("address", &backend.address)
            .with("port", backend.port)
            .with("slot", &backend.slot)
            .with("version", &backend.version)
            .with("host", &backend.host)
            .with("environment", self.environment)
            .render(&self.config.url)
    }

    fn attempt(&self, url: &str) -> Attempt {
        let timeout = self.config.timeout.as_std();
        let response = match http::get(url, timeout) {
            Err(e) if e.is_reset() => http::get(url, timeout),
            other => other,
        };
        match response {
            Err(e) => Attempt::Unreachable(e.to_string()),
            Ok(r) if r.status != self.config.status => Attempt::Unhealthy(format!(
                "status {} (expected {})",
                r.status, self.config.status
            )),
            Ok(r) => match &self.config.body {
                Some(want) if !r.body.contains(want.as_str()) => {
                    Attempt::Unhealthy(format!("body does not contain {want:?}"))
                }
                _ => Attempt::Healthy,
            },
        }
    }

    /// Waits until `backend` is healthy: `successes` good answers in a row pass;
    /// `failures` bad answers in a row fail; a slot that never answers fails after
    /// `start_timeout`.
    pub fn wait_healthy(&self, run: &Run, backend: &Backend) -> Result<u32> {
        let url = self.url(backend);
        if run.dry_run {
            run.ui.detail(&format!(
                "would check {url} until {} answer(s) in a row are {} (fail after {} bad in a row)",
                self.config.successes, self.config.status, self.config.failures
            ));
            return Ok(0);
        }
        let deadline = Instant::now() + self.config.start_timeout.as_std();
        let (mut good, mut bad, mut answered, mut attempts) = (0, 0, false, 0);
        loop {
            attempts += 1;
            match self.attempt(&url) {
                Attempt::Healthy => {
                    answered = true;
                    bad = 0;
                    good += 1;
                    if good >= self.config.successes {
                        return Ok(attempts);
                    }
                }
                Attempt::Unhealthy(why) => {
                    answered = true;
                    good = 0;
                    bad += 1;
                    run.ui
                        .detail(&format!("{url}: {why} ({bad}/{})", self.config.failures));
                    if bad >= self.config.failures {
                        return Err(Error::failed(format!(
                            "health check {url} failed {bad} times in a row: {why}"
                        )));
                    }
                }
                Attempt::Unreachable(why) => {
                    good = 0;
                    if answered {
                        bad += 1;
                        if bad >= self.config.failures {
                            return Err(Error::failed(format!(
                                "health check {url} failed {bad} times in a row: {why}"
                            )));
                        }
                    } else if Instant::now() >= deadline {
                        return Err(Error::failed(format!(
                            "{url} did not answer within {:?}: {why}",
                            self.config.start_timeout.as_std()
                        )));
                    }
                }
            }
            let pause = if answered {
                self.config.interval.as_std()
            } else {
                // Not up yet: look again soon, so a fast start is not held a whole interval.
                self.config
                    .interval
                    .as_std()
                    .min(Duration::from_millis(100))
            };
            if !run.cancel.sleep(pause) {
                return Err(Error::Cancelled);
            }
        }
    }

    /// Watches `backends` for `window`, failing on `failures` bad answers in a row from any
    /// of them.
    pub fn watch(&self, run: &Run, backends: &[Backend], window: Duration) -> Result<()> {
        self.watch_while(run, backends, window, &|| true)
    }

    /// Like [`Health::watch`], ending early (passing) as soon as `go_on` says false: the
    /// analysis running beside it failed and the window is over.
    pub fn watch_while(
        &self,
        run: &Run,
        backends: &[Backend],
        window: Duration,
        go_on: &dyn Fn() -> bool,
    ) -> Result<()> {
        if run.dry_run {
            run.ui.detail(&format!("would watch health for {window:?}"));
            return Ok(());
        }
        let end = Instant::now() + window;
        let mut bad = vec![0_u32; backends.len()];
        while Instant::now() < end && go_on() {
            for (i, backend) in backends.iter().enumerate() {
                let url = self.url(backend);
                match self.attempt(&url) {
                    Attempt::Healthy => bad[i] = 0,
                    Attempt::Unhealthy(why) | Attempt::Unreachable(why) => {
                        bad[i] += 1;
                        run.ui.detail(&format!(
                            "{url}: {why} ({}/{})",
                            bad[i], self.config.failures
                        ));
                        if bad[i] >= self.config.failures {
                            return Err(Error::failed(format!(
                                "health check {url} failed {} times in a row during the validation window: {why}",
                                bad[i]
                            )));
                        }
                    }
                }
            }
            let pause_end = Instant::now() + self.config.interval.as_std();
            let pause_end = pause_end.min(end);
            // Short slices, so a `go_on` that turned false ends the watch at once.
            while go_on() && Instant::now() < pause_end {
                let slice = pause_end
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(20));
                if !run.cancel.sleep(slice) {
                    return Err(Error::Cancelled);
                }
            }
        }
        Ok(())
    }
}

/// Runs user commands on this machine (smoke tests, hooks), one after another, capturing
/// their output into the current step. The first failure stops the list.
pub fn commands(
    run: &Run,
    what: &str,
    list: &[String],
    vars: &Vars,
    timeout: Duration,
) -> Result<()> {
    let mut captured = String::new();
    for template in list {
        run.checkpoint()?;
        let script = vars.render(template);
        let result = run.exec(&Local, &script, None, timeout, Mode::Change);
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                run.capture(&captured);
                return Err(match e {
                    Error::Failed(m) => Error::failed(format!("{what} `{script}`: {m}")),
                    other => other,
                });
            }
        };
        if !captured.is_empty() {
            captured.push('\n');
        }
        let _ = write!(captured, "$ {script}\n{}", out.combined());
        if !out.success() {
            run.capture(&crate::shell::tail(&captured, 4096));
            let code = out
                .code
                .map_or_else(|| "a signal".to_owned(), |c| c.to_string());
            let text = out.combined();
            let last = text.lines().last().unwrap_or_default();
            return Err(Error::failed(format!(
                "{what} `{script}` exited with {code}: {last}"
            )));
        }
    }
    if !captured.is_empty() {
        run.capture(&crate::shell::tail(&captured, 4096));
    }
    Ok(())
}
