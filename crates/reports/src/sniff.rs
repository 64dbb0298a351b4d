//! The structure of a JSON document's first kilobytes, for format detection: which keys
//! sit where (`results[].check_id`, `runs`, `[].RuleID`), and the first string value of
//! shallow keys (`$schema`, `version`, `type`). Tolerates a document cut anywhere (the
//! head of a large file) and JSON Lines (several documents, one per line).

use std::collections::{HashMap, HashSet};

/// How deep key paths are recorded.
const MAX_DEPTH: usize = 5;
/// How many string values are kept (for shallow keys only).
const MAX_STRING: usize = 200;

/// The shape of the first JSON value (or values, for JSON Lines) in a head.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// The first character of the first document: `{` or `[`.
    pub(crate) root: u8,
    /// Every key path seen: `runs`, `runs[].tool`, `[].code`; `[]#list` marks a list of lists.
    pub(crate) paths: HashSet<String>,
    /// Top-level keys of the first document, in order.
    pub(crate) top: Vec<String>,
    /// The first string value of each path at depth one or two.
    pub(crate) strings: HashMap<String, String>,
    /// Complete documents seen (more than one: JSON Lines).
    pub(crate) documents: usize,
    /// Whether the first document is an empty array or object, complete.
    pub(crate) empty: bool,
}

impl Shape {
    /// Whether `path` was seen.
    pub(crate) fn has(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// The first string at `path`.
    pub(crate) fn string(&self, path: &str) -> Option<&str> {
        self.strings.get(path).map(String::as_str)
    }
}

/// Reads the shape of `head`.
pub(crate) fn shape(head: &[u8]) -> Shape {
    let mut p = Parser {
        s: head,
        i: 0,
        shape: Shape::default(),
        doc: 0,
    };
    p.ws();
    p.shape.root = p.peek().unwrap_or(0);
    loop {
        p.ws();
        if p.peek().is_none() {
            break;
        }
        let start = p.i;
        match p.value("", 0) {
            Ok(()) => {
                if p.doc == 0 {
                    let inner = &head[start + 1..p.i.saturating_sub(1)];
                    p.shape.empty = inner.iter().all(u8::is_ascii_whitespace);
                }
                p.shape.documents += 1;
                p.doc += 1;
            }
            Err(()) => break,
        }
    }
    p.shape
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    shape: Shape,
    doc: usize,
}

type Step = Result<(), ()>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Step {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    fn record(&mut self, path: &str, depth: usize) {
        if depth <= MAX_DEPTH && !path.is_empty() {
            self.shape.paths.insert(path.to_owned());
        }
    }

    fn value(&mut self, path: &str, depth: usize) -> Step {
        self.ws();
        match self.peek().ok_or(())? {
            b'{' => {
                self.i += 1;
                let mut first = true;
                loop {
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        return Ok(());
                    }
                    if !first {
                        self.eat(b',')?;
                        self.ws();
                    }
                    first = false;
                    let key = self.string()?;
                    self.eat(b':')?;
                    let child = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if depth == 0 && self.doc == 0 {
                        self.shape.top.push(key);
                    }
                    self.record(&child, depth + 1);
                    self.value(&child, depth + 1)?;
                }
            }
            b'[' => {
                self.i += 1;
                let child = format!("{path}[]");
                let mut first = true;
                loop {
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        return Ok(());
                    }
                    if !first {
                        self.eat(b',')?;
                    }
                    first = false;
                    self.ws();
                    if matches!(self.peek(), Some(b'{' | b'[')) {
                        self.record(&child, depth + 1);
                    }
                    if self.peek() == Some(b'[') {
                        self.record(&format!("{child}#list"), depth + 1);
                    }
                    self.value(&child, depth + 1)?;
                }
            }
            b'"' => {
                let text = self.string()?;
                if depth <= 2 && !self.shape.strings.contains_key(path) {
                    let mut text = text;
                    text.truncate(MAX_STRING);
                    self.shape.strings.insert(path.to_owned(), text);
                }
                Ok(())
            }
            _ => {
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
                {
                    self.i += 1;
                }
                if self.i == start || self.peek().is_none() {
                    return Err(());
                }
                Ok(())
            }
        }
    }

    /// A string (the opening quote is next); escapes are kept only as far as needed to
    /// compare keys.
    fn string(&mut self) -> Result<String, ()> {
        if self.peek() != Some(b'"') {
            return Err(());
        }
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            let c = self.peek().ok_or(())?;
            self.i += 1;
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                let raw = &self.s[start..self.i - 1];
                return Ok(String::from_utf8_lossy(raw).into_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_a_cut_document_are_kept_up_to_the_cut() {
        let s = shape(br#"{"runs": [{"tool": {"driver": {"name": "bandit"}}, "results": [{"rule"#);
        assert!(s.has("runs"));
        assert!(s.has("runs[]"));
        assert!(s.has("runs[].tool.driver.name"));
        assert!(s.has("runs[].results[]"));
        assert_eq!(s.top, ["runs"]);
        assert_eq!(s.documents, 0);
    }

    #[test]
    fn json_lines_count_documents_and_merge_paths() {
        let s = shape(b"{\"type\":\"info\",\"data\":\"x\"}\n{\"type\":\"auditAdvisory\",\"data\":{\"advisory\":{}}}\n");
        assert_eq!(s.documents, 2);
        assert!(s.has("data.advisory"));
        assert_eq!(s.string("type"), Some("info"));
    }

    #[test]
    fn list_of_lists_and_empty_documents() {
        let s = shape(br#"[["django", "<2.2", "2.1", "advisory", "123"]]"#);
        assert_eq!(s.root, b'[');
        assert!(s.has("[]"));
        assert!(s.has("[]#list"));
        assert!(!shape(br#"[{"a": 1}]"#).has("[]#list"));
        assert!(shape(b" [ ] ").empty);
        assert!(!shape(b"[1]").empty);
    }
}
