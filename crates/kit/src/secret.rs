//! Secrets read from named environment variables: masked in CI, never printed.

use std::fmt;

/// A secret value. `Debug` and `Display` print `***`; only [`Secret::expose`] gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    source: String,
}

impl Secret {
    /// Wraps a value read from `source` (an environment variable name, for messages).
    pub fn new(value: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            source: source.into(),
        }
    }

    /// Reads the secret from environment variable `var`, masking it through `ui` in CI.
    /// Errors (exit 2) name the variable, never a value.
    pub fn from_env(var: &str, ui: &crate::Ui) -> Result<Self, crate::Failure> {
        match std::env::var(var) {
            Ok(value) if !value.is_empty() => {
                ui.mask(&value);
                Ok(Self::new(value, var))
            }
            _ => Err(crate::Failure::bad_input(format!(
                "environment variable {var} is not set or empty"
            ))
            .help(format!(
                "export {var} (in a workflow: `env: {var}: ${{{{ secrets.{var} }}}}`)"
            ))),
        }
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The environment variable it came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Replaces every occurrence of the secret in `text` with `***`.
    pub fn redact(&self, text: &str) -> String {
        if self.value.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.value, "***")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(${}=***)", self.source)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats_its_value() {
        let s = Secret::new("hunter2", "SLACK_WEBHOOK_URL");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret($SLACK_WEBHOOK_URL=***)");
        assert_eq!(s.redact("url=https://x/hunter2?a"), "url=https://x/***?a");
    }
}
