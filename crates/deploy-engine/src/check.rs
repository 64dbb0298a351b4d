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
        self.attempt_within(url, self.config.timeout.as_std())
    }

    /// One attempt whose request takes at most `timeout` (each of the two tries when the
    /// first meets a connection reset).
    fn attempt_within(&self, url: &str, timeout: Duration) -> Attempt {
        let timeout = timeout.max(Duration::from_millis(50));
        let ca = self.config.ca_file.as_deref();
        let response = match http::get(url, timeout, ca) {
            Err(e) if e.is_reset() => http::get(url, timeout, ca),
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

    /// The bound of [`Health::wait_healthy`] as a whole: `start_timeout` for the slot to
    /// answer, plus `successes` × (`interval` + `timeout`) for the streak that passes it.
    pub fn deadline(&self) -> Duration {
        let per_answer = self.config.interval.as_std() + self.config.timeout.as_std();
        self.config.start_timeout.as_std() + per_answer * self.config.successes
    }

    /// Waits until `backend` is healthy: `successes` good answers in a row pass;
    /// `failures` bad answers in a row fail; a slot that never answers fails after
    /// `start_timeout`; and whatever it answers, the check as a whole ends by
    /// [`Health::deadline`] (a slot flapping between good and bad answers never makes the
    /// streak nor the failures and would otherwise be polled forever).
    pub fn wait_healthy(&self, run: &Run, backend: &Backend) -> Result<u32> {
        let url = self.url(backend);
        if run.dry_run {
            run.ui.detail(&format!(
                "would check {url} until {} answer(s) in a row are {} (fail after {} bad in a row, or {:?} in all)",
                self.config.successes,
                self.config.status,
                self.config.failures,
                self.deadline()
            ));
            return Ok(0);
        }
        let started = Instant::now();
        let deadline = started + self.config.start_timeout.as_std();
        let total = started + self.deadline();
        let (mut good, mut bad, mut answered, mut attempts, mut best) = (0, 0, false, 0, 0);
        let mut last = String::from("no answer yet");
        loop {
            attempts += 1;
            let left = total.saturating_duration_since(Instant::now());
            match self.attempt_within(&url, self.config.timeout.as_std().min(left / 2)) {
                Attempt::Healthy => {
                    answered = true;
                    bad = 0;
                    good += 1;
                    best = best.max(good);
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
                    last = why;
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
                    last = why;
                }
            }
            if Instant::now() >= total {
                return Err(Error::failed(format!(
                    "health check {url} did not pass within {:?} ({attempts} attempts, at best {best} of {} good answers in a row; last: {last})",
                    self.deadline(),
                    self.config.successes
                )));
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
            if !run
                .cancel
                .sleep(pause.min(total.saturating_duration_since(Instant::now())))
            {
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
        let result = run.exec(
            &Local,
            &script,
            None,
            run.after_signal(timeout),
            Mode::Change,
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_test_support::webhook::{Mode, WebhookSink};

    fn config(url: &str) -> HealthConfig {
        HealthConfig {
            url: url.to_owned(),
            interval: slipway_config::Duration::from_millis(20),
            timeout: slipway_config::Duration::from_secs(1),
            successes: 2,
            failures: 3,
            start_timeout: slipway_config::Duration::from_secs(1),
            ..HealthConfig::default()
        }
    }

    fn backend() -> Backend {
        Backend {
            host: "local".into(),
            slot: "green".into(),
            version: "v2".into(),
            address: "127.0.0.1".into(),
            port: 1,
            weight: 1,
        }
    }

    #[test]
    fn a_health_check_flapping_between_200_and_503_ends_by_its_deadline() {
        let sink = WebhookSink::start();
        // 200, 503, 200, 503, …: never two good answers in a row, never three bad ones.
        let script: Vec<Mode> = (0..100_000)
            .map(|i| {
                if i % 2 == 0 {
                    Mode::Ok
                } else {
                    Mode::Status(503)
                }
            })
            .collect();
        sink.set_script(script);
        let config = config(&sink.url_for("/health"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let health = Health::new(&config, "staging");
            let run = Run::new(
                slipway_kit::Ui::detect().quiet(true),
                crate::cancel::Cancel::new(),
                false,
            );
            let _ = tx.send((health.deadline(), health.wait_healthy(&run, &backend())));
        });
        // Before the fix this never returned; a generous bound fails the test loudly instead.
        let (deadline, result) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the flapping health check must end by its deadline");
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains(&format!("did not pass within {deadline:?}")),
            "{err}"
        );
        assert!(
            err.contains("at best 1 of 2 good answers in a row"),
            "{err}"
        );
        assert!(sink.requests().len() > 2, "it was polled");
    }

    #[test]
    fn the_whole_check_is_bounded_by_start_timeout_plus_the_streak() {
        let config = config("http://127.0.0.1:1/health");
        let health = Health::new(&config, "staging");
        // 1 s to answer, then 2 × (20 ms + 1 s) for the streak.
        assert_eq!(health.deadline(), Duration::from_millis(3040));
    }
}
