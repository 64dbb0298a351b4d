//! Keeping secrets out of everything we print: a redactor that knows every secret value in
//! play, and URL redaction for messages that must name an endpoint.

use std::sync::{Arc, RwLock};

/// Every secret value read for this run; [`Redactor::redact`] replaces them with `***`.
/// Cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Remembers a secret value (and its URL-encoded form).
    pub fn add(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut secrets = self
            .secrets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for form in [secret.to_owned(), percent_encode(secret)] {
            if !secrets.contains(&form) {
                secrets.push(form);
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every known secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = text.to_owned();
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn percent_encode(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A URL safe to print: scheme and host (and port) only, everything after replaced by
/// `/***`; user info is dropped. `slack://T0/B0/XXX` becomes `slack://***`, since its host
/// part is already a secret.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let web = matches!(
        scheme,
        "http" | "https" | "smtp" | "smtps" | "smtp+plain" | "mqtt" | "github"
    ) || scheme.ends_with("+https")
        || scheme.ends_with("+http");
    if !web {
        return format!("{scheme}://***");
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority_end == rest.len() && host == authority {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}/***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_hides_plain_and_url_encoded_secrets() {
        let r = Redactor::default();
        r.add("s3cr3t/value");
        assert_eq!(
            r.redact("a s3cr3t/value b s3cr3t%2Fvalue c"),
            "a *** b *** c"
        );
    }

    #[test]
    fn urls_keep_only_scheme_and_host() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0/B0/XXX"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(redact_url("slack://T0/B0/XXX"), "slack://***");
        assert_eq!(
            redact_url("smtp://me:pw@mail.example.com:587?to=a@b"),
            "smtp://mail.example.com:587/***"
        );
        assert_eq!(redact_url("github://issue"), "github://issue");
        assert_eq!(
            redact_url("slack+http://127.0.0.1:9/hook"),
            "slack+http://127.0.0.1:9/***"
        );
        assert_eq!(redact_url("no scheme"), "***");
    }
}
