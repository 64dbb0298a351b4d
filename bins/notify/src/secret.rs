//! Where a channel's secret comes from: a named environment variable, or the channel URL
//! given with `--to`. Values are masked in CI and registered with the [`Redactor`].

use slipway_kit::{Failure, Secret, Ui};

use crate::redact::Redactor;

/// A secret a channel needs, read when the channel was loaded.
#[derive(Debug, Clone)]
pub struct SecretRef {
    /// The environment variable, when it came from one.
    pub var: Option<String>,
    /// The value; `None` when the variable is unset or empty.
    pub value: Option<Secret>,
}

impl SecretRef {
    /// Reads `var`, masking the value and registering it with `redactor`.
    pub fn from_env(var: &str, ui: &Ui, redactor: &Redactor) -> Self {
        let value = std::env::var(var).ok().filter(|v| !v.is_empty()).map(|v| {
            ui.mask(&v);
            redactor.add(&v);
            Secret::new(v, var)
        });
        Self {
            var: Some(var.to_owned()),
            value,
        }
    }

    /// A value that was given inline (part of a `--to` URL), masked and registered.
    pub fn inline(value: &str, what: &str, ui: &Ui, redactor: &Redactor) -> Self {
        ui.mask(value);
        redactor.add(value);
        Self {
            var: None,
            value: Some(Secret::new(value, what)),
        }
    }

    /// Where it comes from, for messages: `$SLACK_WEBHOOK_URL`, or for a URL given inline
    /// its scheme and host only (`https://hooks.slack.com/***`).
    pub fn describe(&self) -> String {
        match (&self.var, &self.value) {
            (Some(v), _) => format!("${v}"),
            (None, Some(value)) if value.expose().contains("://") => {
                crate::redact::redact_url(value.expose())
            }
            (None, _) => "the --to URL".to_owned(),
        }
    }

    /// The value, or a bad-input failure naming the variable.
    pub fn require(&self, channel: &str) -> Result<&Secret, Failure> {
        self.value.as_ref().ok_or_else(|| {
            let var = self.var.as_deref().unwrap_or("?");
            Failure::bad_input(format!(
                "channel {channel}: environment variable {var} is not set or empty"
            ))
            .help(format!(
                "export {var} (in a workflow: `env: {var}: ${{{{ secrets.{var} }}}}`)"
            ))
        })
    }
}
