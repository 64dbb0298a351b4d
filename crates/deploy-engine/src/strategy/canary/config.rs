//! `[deploy.environments.NAME.canary]`: the traffic steps, how long each is analysed,
//! and the pause.

use serde::Deserialize;
use slipway_config::Duration as ConfigDuration;
use slipway_kit::Failure;

/// `[deploy.environments.NAME.canary]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CanaryConfig {
    /// Traffic shares in percent, increasing, ending at 100 (default `[10, 30, 50, 100]`).
    pub steps: Vec<u32>,
    /// How long each step is analysed before the next (default 30s).
    pub step_duration: ConfigDuration,
    /// Hold at this step until `deploy promote` (the `--pause-at` flag sets it).
    pub pause_at: Option<u32>,
    /// How long a pause waits for `promote` or `abort` before aborting (default 1h).
    pub pause_timeout: ConfigDuration,
}

impl Default for CanaryConfig {
    fn default() -> Self {
        Self {
            steps: vec![10, 30, 50, 100],
            step_duration: ConfigDuration::from_secs(30),
            pause_at: None,
            pause_timeout: ConfigDuration::from_secs(3600),
        }
    }
}

impl CanaryConfig {
    /// Checks the section; `key` prefixes errors.
    pub fn check(&self, key: &str) -> std::result::Result<(), Failure> {
        let steps = &self.steps;
        if steps.is_empty()
            || steps.iter().any(|s| *s == 0 || *s > 100)
            || steps.windows(2).any(|w| w[0] >= w[1])
            || steps.last() != Some(&100)
        {
            return Err(Failure::bad_input(format!(
                "{key}.steps: {steps:?} must be increasing percentages from 1 to 100, ending at 100"
            ))
            .help("e.g. steps = [10, 30, 50, 100]"));
        }
        if self.step_duration.as_std().is_zero() {
            return Err(Failure::bad_input(format!(
                "{key}.step_duration: must be longer than 0s"
            )));
        }
        self.check_pause(&format!("{key}.pause_at"))
    }

    /// Checks `pause_at` (also after `--pause-at` set it); `key` names it in errors.
    pub fn check_pause(&self, key: &str) -> std::result::Result<(), Failure> {
        if let Some(p) = self.pause_at {
            if p >= 100 || !self.steps.contains(&p) {
                return Err(Failure::bad_input(format!(
                    "{key}: {p} must be one of the steps below 100 ({:?})",
                    self.steps
                )));
            }
        }
        Ok(())
    }
}
