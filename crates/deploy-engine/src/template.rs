//! `{name}` placeholders in user commands and URLs: `{version}`, `{slot}`, `{port}`,
//! `{environment}`, `{host}`, `{address}`. Values are checked when they enter the engine
//! (versions and names are plain tokens), so a rendered command needs no further quoting.

use std::collections::BTreeMap;

/// The placeholders every template may use.
pub const VARIABLES: &[&str] = &[
    "version",
    "previous",
    "slot",
    "port",
    "environment",
    "host",
    "address",
    "url",
];

/// Values for one rendering.
#[derive(Debug, Clone, Default)]
pub struct Vars(BTreeMap<&'static str, String>);

impl Vars {
    /// Empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a value.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.0.insert(name, value.to_string());
        self
    }

    /// Replaces every `{name}` with its value; unknown or unset names stay as written.
    pub fn render(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) if self.0.contains_key(&after[..close]) => {
                    out.push_str(&self.0[&after[..close]]);
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The first `{name}` in `template` that is not one of [`VARIABLES`], if any. Shell
/// constructs such as `${HOME}` or `{a,b}` are not placeholders and pass.
pub fn unknown_placeholder(template: &str) -> Option<String> {
    unknown_placeholder_among(template, VARIABLES)
}

/// The first `{name}` in `template` that is not one of `allowed`, if any: the same rule as
/// [`unknown_placeholder`] for templates with their own placeholders (PromQL queries,
/// route commands). PromQL's label matchers (`{code=~"5.."}`) are not names and pass.
pub fn unknown_placeholder_among(template: &str, allowed: &[&str]) -> Option<String> {
    let bytes = template.as_bytes();
    let mut i = 0;
    while let Some(open) = template[i..].find('{').map(|o| o + i) {
        let after = &template[open + 1..];
        i = open + 1;
        if open > 0 && bytes[open - 1] == b'$' {
            continue;
        }
        if let Some(close) = after.find('}') {
            let name = &after[..close];
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !allowed.contains(&name)
            {
                return Some(name.to_owned());
            }
        }
    }
    None
}

/// Whether `value` is a plain token safe to place in a shell command: letters, digits and
/// `.`, `_`, `-`, `+`, `:`, `/`, `@`, 1 to 128 characters.
pub fn is_plain_token(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && !value.starts_with('-')
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | ':' | '/' | '@')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_placeholders_and_leaves_shell_braces() {
        let vars = Vars::new().with("version", "v1.2.3").with("port", 8081);
        assert_eq!(
            vars.render("run --port {port} --version {version} ${HOME} {a,b}"),
            "run --port 8081 --version v1.2.3 ${HOME} {a,b}"
        );
    }

    #[test]
    fn finds_misspelt_placeholders() {
        assert_eq!(unknown_placeholder("x {verison}"), Some("verison".into()));
        assert_eq!(unknown_placeholder("x {version} ${HOME} {a,b}"), None);
    }

    #[test]
    fn versions_with_shell_metacharacters_are_not_plain() {
        assert!(is_plain_token("v1.2.3-rc.1+build.5"));
        assert!(!is_plain_token("v1; rm -rf /"));
        assert!(!is_plain_token("$(id)"));
        assert!(!is_plain_token("--help"));
    }
}
