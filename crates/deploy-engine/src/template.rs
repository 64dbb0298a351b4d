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

/// What may appear in a value that goes into commands and paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A version: letters, digits, `. _ - + : @`, and `/` between path segments.
    Version,
    /// A host name: letters, digits, `. _ - + : @`, no `/`.
    Name,
    /// A network address (host name, IPv4 or IPv6): letters, digits, `. _ - :`.
    Address,
}

/// Why `value` is not a safe token of `kind`, if it is not: it must not be empty or longer
/// than 128 characters, start with `-` (an option) or `/` (an absolute path), contain a
/// `..` or `.` path segment or an empty one (`//`, a trailing `/`), or any character a
/// shell or a path would reinterpret (spaces, quotes, `$`, `;`, `*`, `~`, `\`, …).
pub fn token_problem(value: &str, kind: TokenKind) -> Option<String> {
    if value.is_empty() {
        return Some("is empty".to_owned());
    }
    if value.chars().count() > 128 {
        return Some("is longer than 128 characters".to_owned());
    }
    if value.starts_with('-') {
        return Some("starts with '-' (a command would read it as an option)".to_owned());
    }
    if value.starts_with('/') {
        return Some("starts with '/' (an absolute path)".to_owned());
    }
    let allowed = |c: char| match kind {
        TokenKind::Version => {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | ':' | '@' | '/')
        }
        TokenKind::Name => {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | ':' | '@')
        }
        TokenKind::Address => c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'),
    };
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "contains {c:?}, which a shell or a path would reinterpret"
        ));
    }
    for segment in value.split('/') {
        match segment {
            ".." => {
                return Some(
                    "has a '..' segment (a path would climb out of its directory)".to_owned(),
                );
            }
            "." => return Some("has a '.' path segment".to_owned()),
            "" => return Some("has an empty path segment ('//' or a trailing '/')".to_owned()),
            _ => {}
        }
    }
    None
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

    #[test]
    fn versions_that_a_path_or_shell_would_reinterpret_are_refused() {
        for good in [
            "v1.2.3",
            "v1.2.3-rc.1+build.5",
            "app/v1",
            "sha256:ab12",
            "v1@x",
            "..v1",
        ] {
            assert_eq!(token_problem(good, TokenKind::Version), None, "{good}");
        }
        for (bad, why) in [
            ("../../..", "'..' segment"),
            ("v1/../../etc", "'..' segment"),
            ("..", "'..' segment"),
            ("/srv/app", "starts with '/'"),
            ("-rf", "starts with '-'"),
            ("v1/", "empty path segment"),
            ("a//b", "empty path segment"),
            ("./v1", "'.' path segment"),
            ("v1 && reboot", "' '"),
            ("$(id)", "'$'"),
            ("~root", "'~'"),
            ("v*", "'*'"),
            ("", "empty"),
        ] {
            let problem = token_problem(bad, TokenKind::Version).unwrap_or_default();
            assert!(problem.contains(why), "{bad:?}: {problem}");
        }
        assert!(token_problem("web/1", TokenKind::Name).is_some());
        assert!(token_problem("..", TokenKind::Name).is_some());
        assert!(token_problem("user@10.0.0.5", TokenKind::Address).is_some());
        assert_eq!(token_problem("fe80::1", TokenKind::Address), None);
        assert_eq!(token_problem("web-1.example.com", TokenKind::Address), None);
    }
}
