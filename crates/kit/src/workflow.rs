//! Workflow commands as GitHub's runner parses them: annotations, groups and masks,
//! escaped exactly as `@actions/core` escapes them.

use std::fmt::Write as _;

/// Annotation severity, as the runner names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `::notice`
    Notice,
    /// `::warning`
    Warning,
    /// `::error`
    Error,
}

impl Level {
    /// The command name the runner expects.
    pub fn command(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Where an annotation points; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// Repository-relative path.
    pub file: Option<String>,
    /// First line, 1-based.
    pub line: Option<u32>,
    /// Last line, 1-based.
    pub end_line: Option<u32>,
    /// First column, 1-based.
    pub col: Option<u32>,
    /// Last column, 1-based.
    pub end_col: Option<u32>,
    /// Title shown above the message.
    pub title: Option<String>,
}

impl Location {
    /// A location at a file and line.
    pub fn at(file: impl Into<String>, line: Option<u32>) -> Self {
        Self {
            file: Some(file.into()),
            line,
            ..Self::default()
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// Escapes a command's message: `%`, CR and LF.
pub fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property: as data, plus `:` and `,`.
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

/// Formats `::name key=value,...::message`.
pub fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let mut out = format!("::{name}");
    let mut first = true;
    for (key, value) in properties {
        out.push(if first { ' ' } else { ',' });
        first = false;
        let _ = write!(out, "{key}={}", escape_property(value));
    }
    let _ = write!(out, "::{}", escape_data(message));
    out
}

/// Formats an annotation command for `level` at `location`.
pub fn annotation(level: Level, message: &str, location: &Location) -> String {
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(v) = &location.title {
        props.push(("title", v.clone()));
    }
    if let Some(v) = &location.file {
        props.push(("file", v.clone()));
    }
    if let Some(v) = location.line {
        props.push(("line", v.to_string()));
    }
    if let Some(v) = location.end_line {
        props.push(("endLine", v.to_string()));
    }
    if let Some(v) = location.col {
        props.push(("col", v.to_string()));
    }
    if let Some(v) = location.end_col {
        props.push(("endColumn", v.to_string()));
    }
    command(level.command(), &props, message)
}

/// Formats the mask commands for a secret: one per non-empty line, since the runner
/// masks line by line.
pub fn add_mask(secret: &str) -> Vec<String> {
    secret
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| command("add-mask", &[], line))
        .collect()
}

/// Formats `::group::title`.
pub fn group(title: &str) -> String {
    command("group", &[], title)
}

/// Formats `::endgroup::`.
pub fn end_group() -> String {
    "::endgroup::".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_escapes_properties_and_message_as_github_documents() {
        let loc = Location {
            file: Some("src/a,b:c.py".into()),
            line: Some(12),
            end_line: Some(14),
            col: Some(3),
            end_col: None,
            title: Some("Test: failed, 100%".into()),
        };
        let line = annotation(Level::Error, "boom: 50% done\nsecond line\r\n", &loc);
        assert_eq!(
            line,
            "::error title=Test%3A failed%2C 100%25,file=src/a%2Cb%3Ac.py,line=12,endLine=14,col=3::boom: 50%25 done%0Asecond line%0D%0A"
        );
    }

    #[test]
    fn annotation_without_location_has_no_properties() {
        assert_eq!(
            annotation(Level::Warning, "careful", &Location::default()),
            "::warning::careful"
        );
        assert_eq!(
            annotation(Level::Notice, "fyi", &Location::default()),
            "::notice::fyi"
        );
    }

    #[test]
    fn multi_line_secret_is_masked_line_by_line() {
        assert_eq!(
            add_mask("abc\ndef%\n"),
            vec!["::add-mask::abc", "::add-mask::def%25"]
        );
        assert!(add_mask("  \n").is_empty());
    }

    #[test]
    fn group_title_is_escaped() {
        assert_eq!(group("deploy: 50%"), "::group::deploy: 50%25");
        assert_eq!(end_group(), "::endgroup::");
    }
}
