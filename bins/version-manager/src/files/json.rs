//! Versions in `package.json` and `package-lock.json`, found by a small scanner that
//! reports where a string value sits, so the rest of the file keeps its bytes.

use std::ops::Range;

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: Vec<String>,
    wanted: &'a [&'a [&'a str]],
    found: Vec<Range<usize>>,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// Reads a string starting at `"`; returns its content span and decoded text.
    fn string(&mut self) -> Option<(Range<usize>, String)> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                let range = start..self.pos;
                self.pos += 1;
                let text = String::from_utf8_lossy(&self.bytes[range.clone()]).into_owned();
                return Some((range, text));
            }
            self.pos += 1;
        }
        None
    }

    fn value(&mut self) -> Option<()> {
        self.ws();
        match self.bytes.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                loop {
                    self.ws();
                    if self.bytes.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                        return Some(());
                    }
                    let (_, key) = self.string()?;
                    self.ws();
                    if self.bytes.get(self.pos) != Some(&b':') {
                        return None;
                    }
                    self.pos += 1;
                    self.ws();
                    self.path.push(key);
                    if self.bytes.get(self.pos) == Some(&b'"') {
                        let (range, _) = self.string()?;
                        if self
                            .wanted
                            .iter()
                            .any(|w| w.iter().copied().eq(self.path.iter().map(String::as_str)))
                        {
                            self.found.push(range);
                        }
                    } else {
                        self.value()?;
                    }
                    self.path.pop();
                    self.ws();
                    match self.bytes.get(self.pos)? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.path.push("[]".to_owned());
                loop {
                    self.ws();
                    if self.bytes.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                        break;
                    }
                    self.value()?;
                    self.ws();
                    match self.bytes.get(self.pos)? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                self.path.pop();
                Some(())
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while self.pos < self.bytes.len()
                    && !matches!(self.bytes[self.pos], b',' | b'}' | b']')
                    && !self.bytes[self.pos].is_ascii_whitespace()
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }
}

/// Spans of the string values at any of `paths` (`&["version"]`, `&["packages", "", "version"]`).
/// `None` when the text is not JSON.
pub(super) fn string_spans(text: &str, paths: &[&[&str]]) -> Option<Vec<Range<usize>>> {
    let mut s = Scanner {
        bytes: text.trim_start_matches('\u{feff}').as_bytes(),
        pos: 0,
        path: Vec::new(),
        wanted: paths,
        found: Vec::new(),
    };
    let bom = text.len() - text.trim_start_matches('\u{feff}').len();
    s.value()?;
    Some(
        s.found
            .into_iter()
            .map(|r| r.start + bom..r.end + bom)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_top_level_version_not_nested_ones() {
        let text = r#"{
  "name": "shop",
  "dependencies": { "version": "9.9.9" },
  "version": "1.2.3",
  "list": [1, {"version": "x"}]
}"#;
        let spans = string_spans(text, &[&["version"]]).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(&text[spans[0].clone()], "1.2.3");
    }

    #[test]
    fn finds_the_root_package_in_a_lockfile() {
        let text = r#"{"name":"shop","version":"1.2.3","lockfileVersion":3,"packages":{"":{"name":"shop","version":"1.2.3"},"node_modules/x":{"version":"1.2.3"}}}"#;
        let spans = string_spans(text, &[&["version"], &["packages", "", "version"]]).unwrap();
        assert_eq!(spans.len(), 2);
        assert!(string_spans("{oops", &[&["version"]]).is_none());
    }
}
