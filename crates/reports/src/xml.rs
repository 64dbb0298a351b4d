//! Helpers around quick-xml's streaming reader: attribute lookup, text accumulation and
//! errors that carry the file and byte position.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};

use crate::encoding::Decoded;
use crate::error::ParseError;

/// A streaming XML reader over `R` that remembers the file name for errors and checks the
/// document is complete (every element closed, a root element present).
pub(crate) struct Xml<'p, R: BufRead> {
    reader: Reader<Decoded<R>>,
    path: &'p Path,
    depth: usize,
    seen_root: bool,
    root_name: String,
}

/// One step of the stream, with empty elements expanded into start and end.
pub(crate) enum Step<'b> {
    /// An opening tag.
    Start(BytesStart<'b>),
    /// A closing tag.
    End(quick_xml::events::BytesEnd<'b>),
    /// Character data as read; decode it with [`Xml::text`] only when it is needed
    /// (whitespace between elements is most of it).
    Text(BytesText<'b>),
    /// Character data already decoded: CDATA or a resolved entity reference.
    Chars(String),
    /// An empty element (`<line .../>`), only from [`Xml::compact`] readers: the caller
    /// treats it as a start immediately followed by its end.
    Empty(BytesStart<'b>),
    /// Something to ignore (declaration, comment, whitespace outside the root).
    Skip,
    /// End of the document.
    Eof,
}

impl<'p, R: BufRead> Xml<'p, R> {
    /// A reader that reports empty elements as [`Step::Empty`] instead of a start and an
    /// end: one event instead of two for the millions of `<line/>` of a coverage file.
    pub(crate) fn compact(input: R, path: &'p Path) -> Result<Self, ParseError> {
        let mut xml = Self::new(input, path)?;
        xml.reader.config_mut().expand_empty_elements = false;
        Ok(xml)
    }

    /// A reader of `input` in UTF-8, UTF-16 or the encoding its declaration names; an
    /// error for an encoding that is not read (see [`Decoded`]).
    pub(crate) fn new(input: R, path: &'p Path) -> Result<Self, ParseError> {
        let mut reader = Reader::from_reader(Decoded::new(input, path)?);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Ok(Self {
            reader,
            path,
            depth: 0,
            seen_root: false,
            root_name: String::new(),
        })
    }

    /// The file being read.
    pub(crate) fn path(&self) -> &Path {
        self.path
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
                    Ok(Step::End(e))
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
                    Ok(Step::Text(t))
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
                    Ok(Step::Chars(s))
                }
                Event::GeneralRef(r) => {
                    let s = self.entity(&r)?;
                    Ok(Step::Chars(s))
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
                        // The input was turned into UTF-8 from what the declaration
                        // names before it got here (see `encoding`).
                        if !matches!(
                            enc.as_str(),
                            "utf-8"
                                | "utf8"
                                | "us-ascii"
                                | "ascii"
                                | "utf-16"
                                | "utf-16le"
                                | "utf-16be"
                                | "iso-8859-1"
                                | "iso8859-1"
                                | "iso_8859-1"
                                | "latin1"
                                | "latin-1"
                                | "l1"
                                | "windows-1252"
                                | "cp1252"
                        ) {
                            return Err(self.error(format!(
                                "encoding {enc:?} is not supported; write the report as UTF-8"
                            )));
                        }
                    }
                    Ok(Step::Skip)
                }
                Event::Empty(e) => {
                    if self.depth == 0 {
                        if self.seen_root {
                            return Err(self.error("a second root element after the first ended"));
                        }
                        self.seen_root = true;
                        self.root_name =
                            String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    }
                    Ok(Step::Empty(e))
                }
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => Ok(Step::Skip),
            }
        }
    }

    /// Decodes character data, refusing control characters XML forbids.
    pub(crate) fn text(&self, t: &BytesText<'_>) -> Result<String, ParseError> {
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
    /// Checks every attribute of `e` is well formed (`key="value"`, separated by space).
    pub(crate) fn check_attrs(&self, e: &BytesStart<'_>) -> Result<(), ParseError> {
        let mut attrs = RawAttrs::of(e);
        for _ in attrs.by_ref() {}
        if attrs.well_formed() {
            Ok(())
        } else {
            Err(self.error(format!(
                "malformed attribute in <{}> (a quote inside a value, or a missing space or =)",
                String::from_utf8_lossy(e.local_name().as_ref())
            )))
        }
    }
}

/// The first few characters of `bytes`, for error messages.
pub(crate) fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    s.trim().to_owned()
}

/// The attributes of a start tag as raw `(key, value)` byte slices, without allocating
/// or unescaping; stops at the first malformed attribute (see [`Xml::check_attrs`]).
pub(crate) struct RawAttrs<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> RawAttrs<'a> {
    pub(crate) fn of(e: &'a BytesStart<'_>) -> Self {
        Self {
            rest: e.attributes_raw(),
            malformed: false,
        }
    }

    /// Whether the attributes read so far, and what follows them, were well formed.
    pub(crate) fn well_formed(&self) -> bool {
        !self.malformed
            && self
                .rest
                .iter()
                .all(|b| b.is_ascii_whitespace() || *b == b'/')
    }
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest;
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let rest = &rest[start..];
        let Some(eq) = memchr_byte(b'=', rest) else {
            self.malformed = true;
            return None;
        };
        let key = trim_end(&rest[..eq]);
        let after = &rest[eq + 1..];
        let q = after.iter().position(|b| !b.is_ascii_whitespace())?;
        let quote = after[q];
        if quote != b'"' && quote != b'\'' {
            self.rest = &[];
            self.malformed = true;
            return None;
        }
        let body = &after[q + 1..];
        let Some(end) = memchr_byte(quote, body) else {
            self.malformed = true;
            return None;
        };
        self.rest = &body[end + 1..];
        if self
            .rest
            .first()
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'/')
        {
            // `a="x"b="y"`: a quote inside a value, or a missing separator.
            self.malformed = true;
        }
        // Keys may carry a namespace prefix: compare local names.
        let local = key
            .iter()
            .rposition(|&b| b == b':')
            .map_or(key, |i| &key[i + 1..]);
        Some((local, &body[..end]))
    }
}

fn memchr_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

fn trim_end(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..end]
}

/// The raw bytes of attribute `name`, `None` when absent.
pub(crate) fn attr_raw<'a>(e: &'a BytesStart<'_>, name: &[u8]) -> Option<&'a [u8]> {
    RawAttrs::of(e).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Decodes a raw attribute value: UTF-8 (lossy) with entities resolved when present.
pub(crate) fn decode_value(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if raw.contains(&b'&') {
        if let Ok(u) = quick_xml::escape::unescape(&text) {
            return u.into_owned();
        }
    }
    text.into_owned()
}

/// Appends a raw attribute value to `out`, decoded as [`decode_value`] does, without
/// allocating when the value is plain UTF-8.
pub(crate) fn decode_into(raw: &[u8], out: &mut String) {
    if raw.contains(&b'&') {
        out.push_str(&decode_value(raw));
    } else {
        out.push_str(&String::from_utf8_lossy(raw));
    }
}

/// An attribute's unescaped value, `None` when absent. Invalid escapes fall back to the
/// raw text rather than failing the whole report.
pub(crate) fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    attr_raw(e, name).map(decode_value)
}

/// Parses an unsigned decimal integer from raw attribute bytes (the common case, without
/// UTF-8 validation or allocation); `None` for anything else.
pub(crate) fn uint(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() || raw.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in raw {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
    }
    Some(v)
}

/// Parses a number from raw attribute bytes (surrounding whitespace allowed).
pub(crate) fn num<T: std::str::FromStr>(raw: &[u8]) -> Option<T> {
    std::str::from_utf8(raw).ok()?.trim().parse().ok()
}

/// An attribute parsed as a number; absent or unparsable gives `None`.
pub(crate) fn attr_num<T: std::str::FromStr>(e: &BytesStart<'_>, name: &[u8]) -> Option<T> {
    attr_raw(e, name).and_then(num)
}

/// An attribute as a finite float, accepting `,` as the decimal separator.
pub(crate) fn attr_f64(e: &BytesStart<'_>, name: &[u8]) -> Option<f64> {
    let raw = attr_raw(e, name)?;
    let v = match num::<f64>(raw) {
        Some(v) => v,
        None => std::str::from_utf8(raw)
            .ok()?
            .trim()
            .replace(',', ".")
            .parse()
            .ok()?,
    };
    v.is_finite().then_some(v)
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
