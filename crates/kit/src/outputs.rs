//! Step outputs (`$GITHUB_OUTPUT`) and the job summary (`$GITHUB_STEP_SUMMARY`), written
//! with the file-command syntax the runner parses.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// GitHub's limit on one step's summary.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

const TRUNCATION_NOTE: &str = "\n\n> Summary truncated to stay under GitHub's 1 MiB limit; see the JSON report for everything.\n";

/// The output and summary files of the current step, when running in GitHub Actions.
#[derive(Debug, Clone, Default)]
pub struct StepFiles {
    /// `$GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `$GITHUB_STEP_SUMMARY`.
    pub summary: Option<PathBuf>,
}

impl StepFiles {
    /// Reads the file paths from the environment; absent or empty variables mean "not in a step".
    pub fn from_env() -> Self {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            output: path("GITHUB_OUTPUT"),
            summary: path("GITHUB_STEP_SUMMARY"),
        }
    }

    /// Sets a step output; a no-op outside Actions.
    pub fn set_output(&self, name: &str, value: &str) -> std::io::Result<()> {
        match &self.output {
            Some(path) => append(path, &output_record(name, value)),
            None => Ok(()),
        }
    }

    /// Appends Markdown to the step summary, cut so the whole file stays under 1 MiB.
    /// Returns whether anything was cut. A no-op outside Actions.
    pub fn append_summary(&self, markdown: &str) -> std::io::Result<bool> {
        let Some(path) = &self.summary else {
            return Ok(false);
        };
        let used = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
        let budget = SUMMARY_LIMIT.saturating_sub(used);
        let (text, cut) = fit_summary(markdown, budget);
        append(path, &text)?;
        Ok(cut)
    }
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// Formats one output as `name<<DELIM\nvalue\nDELIM\n` with a delimiter found in neither
/// the name nor the value, so no value can end the record early.
pub fn output_record(name: &str, value: &str) -> String {
    let delimiter = loop {
        let candidate = format!("ghadelimiter_{}", uuid::Uuid::new_v4());
        if !value.contains(&candidate) && !name.contains(&candidate) {
            break candidate;
        }
    };
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// Cuts `markdown` at a line boundary so it fits in `budget` bytes with a note saying so.
/// Returns the text and whether it was cut.
pub fn fit_summary(markdown: &str, budget: usize) -> (String, bool) {
    if markdown.len() <= budget {
        return (markdown.to_owned(), false);
    }
    let room = budget.saturating_sub(TRUNCATION_NOTE.len());
    let mut end = room.min(markdown.len());
    while end > 0 && !markdown.is_char_boundary(end) {
        end -= 1;
    }
    let cut_at = markdown[..end].rfind('\n').map_or(end, |i| i + 1);
    let mut text = markdown[..cut_at].to_owned();
    if TRUNCATION_NOTE.len() <= budget {
        text.push_str(TRUNCATION_NOTE);
    }
    (text, true)
}

/// Parses `$GITHUB_OUTPUT` content the way the runner does (both `k=v` and heredoc forms).
/// Used by tests and by tools that read another step's outputs.
pub fn parse_output_file(content: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = content.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value: Vec<&str> = Vec::new();
            for next in lines.by_ref() {
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            out.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            out.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_value_with_delimiter_like_text_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let files = StepFiles {
            output: Some(dir.path().join("out")),
            summary: None,
        };
        let tricky = "line one\nEOF\nghadelimiter_\n%:,=<<\n";
        files.set_output("notes", tricky).unwrap();
        files.set_output("version", "1.2.3").unwrap();
        let parsed = parse_output_file(&std::fs::read_to_string(dir.path().join("out")).unwrap());
        assert_eq!(
            parsed,
            vec![
                ("notes".into(), tricky.into()),
                ("version".into(), "1.2.3".into())
            ]
        );
    }

    #[test]
    fn record_uses_heredoc_syntax() {
        let rec = output_record("v", "1");
        let (head, rest) = rec.split_once('\n').unwrap();
        let delim = head.strip_prefix("v<<").unwrap();
        assert!(delim.starts_with("ghadelimiter_"));
        assert_eq!(rest, format!("1\n{delim}\n"));
    }

    #[test]
    fn summary_stays_under_one_mebibyte_however_much_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        let files = StepFiles {
            output: None,
            summary: Some(path.clone()),
        };
        let row = "| check | ✅ | 100% |\n".repeat(60_000);
        assert!(!files.append_summary("# Gate\n").unwrap());
        assert!(files.append_summary(&row).unwrap());
        assert!(files.append_summary(&row).unwrap());
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(len <= SUMMARY_LIMIT, "summary is {len} bytes");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("Summary truncated"));
    }

    #[test]
    fn fit_summary_cuts_at_a_line_and_a_char_boundary() {
        let (text, cut) = fit_summary("ééé\nééé\n", 200);
        assert!(!cut);
        assert_eq!(text, "ééé\nééé\n");
        let (text, cut) = fit_summary(&"é\n".repeat(200), TRUNCATION_NOTE.len() + 7);
        assert!(cut);
        assert!(text.starts_with("é\né\n"));
        assert!(text.ends_with(TRUNCATION_NOTE));
    }
}
