//! Helpers around quick-xml's streaming reader: attribute lookup, text accumulation and
//! errors that carry the file and byte position.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};

use crate::error::ParseError;

/// A streaming XML reader over `R` that remembers the file name for errors and checks the
/// document is complete (every element closed, a root element present).
pub(crate) struct Xml<'p, R: BufRead> {
    reader: Reader<R>,
    path: &'p Path,
    depth: usize,
    seen_root: bool,
    root_name: String,
}

/// One step of the stream, with empty elements expanded into start and end.
pub(crate) enum Step<'b> {
    /// An opening tag.
    Start(BytesStart<'b>),
    /// A closing tag (local name).
    End(Vec<u8>),
    /// Character data, already decoded (entities resolved).
    Text(String),
    /// Something to ignore (declaration, comment, whitespace outside the root).
    Skip,
    /// End of the document.
    Eof,
}

impl<'p, R: BufRead> Xml<'p, R> {
    pub(crate) fn new(input: R, path: &'p Path) -> Self {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Self {
            reader,
            path,
            depth: 0,
            seen_root: false,
            root_name: String::new(),
        }
    }

    /// Current depth (1 inside the root element).
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The byte offset just after the last event.
    pub(crate) fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// An error at the current position.
    pub(crate) fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.path, self.offset(), message)
    }

    /// Reads the next step into `buf` (the caller clears `buf` between calls and ignores
    /// [`Step::Skip`]).
    pub(crate) fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Step<'b>, ParseError> {
        {
            let event = match self.reader.read_event_into(buf) {
                Ok(e) => e,
                Err(e) => {
                    let pos = self.reader.error_position();
                    return Err(ParseError::at(
                        self.path,
                        pos,
                        format!("malformed XML: {e}"),
                    ));
                }
            };
            match event {
                Event::Start(e) => {
                    if self.depth == 0 {
                        if self.seen_root {
                            return Err(self.error("a second root element after the first ended"));
                        }
                        self.seen_root = true;
                        self.root_name =
                            String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    }
                    self.depth += 1;
                    Ok(Step::Start(e))
                }
                Event::End(e) => {
                    self.depth = self.depth.saturating_sub(1);
                    Ok(Step::End(e.local_name().as_ref().to_vec()))
                }
                Event::Text(t) => {
                    if self.depth == 0 {
                        if t.iter().all(u8::is_ascii_whitespace) || t.starts_with(b"\xEF\xBB\xBF") {
                            return Ok(Step::Skip);
                        }
                        return Err(self.error(format!(
                            "text outside the root element (is this XML? it starts with {:?})",
                            preview(&t)
                        )));
                    }
                    Ok(Step::Text(self.text(&t)?))
                }
                Event::CData(t) => {
                    if let Some(b) = t.iter().find(|b| is_forbidden(**b)) {
                        return Err(self.error(format!(
                            "invalid character U+{b:04X} in CDATA (not allowed in XML)"
                        )));
                    }
                    let s = std::str::from_utf8(&t)
                        .map_err(|e| self.error(format!("CDATA is not UTF-8: {e}")))?
                        .to_owned();
                    Ok(Step::Text(s))
                }
                Event::GeneralRef(r) => {
                    let s = self.entity(&r)?;
                    Ok(Step::Text(s))
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.error(format!(
                            "unexpected end of file: {} element(s) still open (truncated file?)",
                            self.depth
                        )));
                    }
                    if !self.seen_root {
                        return Err(self.error("no XML element found (empty file?)"));
                    }
                    Ok(Step::Eof)
                }
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
                        if !matches!(enc.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
                            return Err(self.error(format!(
                                "encoding {enc:?} is not supported; write the report as UTF-8"
                            )));
                        }
                    }
                    Ok(Step::Skip)
                }
                Event::Empty(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {
                    Ok(Step::Skip)
                }
            }
        }
    }

    fn text(&self, t: &BytesText<'_>) -> Result<String, ParseError> {
        if let Some(b) = t.iter().find(|b| is_forbidden(**b)) {
            return Err(self.error(format!(
                "invalid character U+{b:04X} in text (not allowed in XML)"
            )));
        }
        t.decode()
            .map(std::borrow::Cow::into_owned)
            .map_err(|e| self.error(format!("text is not valid UTF-8: {e}")))
    }

    fn entity(&self, r: &BytesRef<'_>) -> Result<String, ParseError> {
        if r.is_char_ref() {
            return match r.resolve_char_ref() {
                Ok(Some(c)) => Ok(c.to_string()),
                Ok(None) => Ok(String::new()),
                Err(e) => Err(self.error(format!("bad character reference: {e}"))),
            };
        }
        let name = r
            .decode()
            .map_err(|e| self.error(format!("bad entity: {e}")))?;
        Ok(match name.as_ref() {
            "lt" => "<".into(),
            "gt" => ">".into(),
            "amp" => "&".into(),
            "apos" => "'".into(),
            "quot" => "\"".into(),
            // Entities a DTD would define are never expanded (no external entity is ever
            // fetched), so they are refused, as the peers refuse them.
            other => {
                return Err(self.error(format!(
                    "entity &{other}; is not defined (DTD entities are not expanded)"
                )));
            }
        })
    }
}

/// Control characters XML 1.0 forbids (all of C0 except tab, newline, carriage return).
fn is_forbidden(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

impl<R: BufRead> Xml<'_, R> {
    /// Checks every attribute of `e` is well formed (quoted, separated, not repeated).
    pub(crate) fn check_attrs(&self, e: &BytesStart<'_>) -> Result<(), ParseError> {
        for a in e.attributes() {
            if let Err(err) = a {
                return Err(self.error(format!(
                    "malformed attribute in <{}>: {err}",
                    String::from_utf8_lossy(e.local_name().as_ref())
                )));
            }
        }
        Ok(())
    }
}

/// The first few characters of `bytes`, for error messages.
pub(crate) fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    s.trim().to_owned()
}

/// An attribute's unescaped value, `None` when absent. Invalid escapes fall back to the
/// raw text rather than failing the whole report.
pub(crate) fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.local_name().as_ref() == name {
            return Some(match a.unescape_value() {
                Ok(v) => v.into_owned(),
                Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
            });
        }
    }
    None
}

/// An attribute parsed as a number; absent or unparsable gives `None`.
pub(crate) fn attr_num<T: std::str::FromStr>(e: &BytesStart<'_>, name: &[u8]) -> Option<T> {
    attr(e, name).and_then(|v| v.trim().parse().ok())
}

/// An attribute as a float, accepting `,` decimal separators and `NaN`-free values.
pub(crate) fn attr_f64(e: &BytesStart<'_>, name: &[u8]) -> Option<f64> {
    attr(e, name)
        .and_then(|v| v.trim().replace(',', ".").parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Checks the root element is one of `expected`, or explains what the file looks like.
pub(crate) fn expect_root(
    path: &Path,
    offset: u64,
    found: &[u8],
    expected: &[&str],
    what: &str,
) -> Result<(), ParseError> {
    let found = String::from_utf8_lossy(found);
    if expected.iter().any(|e| e.eq_ignore_ascii_case(&found)) {
        return Ok(());
    }
    let hint = if found.eq_ignore_ascii_case("html") {
        " (an HTML page, perhaps an error page saved in place of the report)"
    } else {
        ""
    };
    Err(ParseError::at(
        path,
        offset,
        format!(
            "not a {what} report: root element is <{found}>{hint}, expected {}",
            expected
                .iter()
                .map(|e| format!("<{e}>"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ))
}
