//! The XML reader every XML parser uses. The file is read in chunks into one reused
//! buffer and events are cut out of it in place, so nothing is copied per event (the
//! buffered quick-xml reader used before copied every event into its own buffer). An
//! element, text or comment cut by the end of a chunk is parsed again from its start once
//! the next chunk is in (the buffer doubles when one event is larger than half a chunk),
//! so memory is one chunk plus the largest single event, whatever the file's size.
//!
//! Text and tags are cut out here; quick-xml's borrowing parser reads everything else
//! (comments, CDATA, references, declarations, and anything malformed) one event at a
//! time from where it starts, so those events and the syntax errors are quick-xml's. The
//! checks that need the whole document (end tags matching their start tags, one root,
//! nothing left open) are done here, across chunks.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::{BytesRef, Event};

use crate::chunks::{CHUNK, Chunks};
use crate::encoding::Decoded;
use crate::error::ParseError;
use crate::xml::{RawAttrs, preview};

/// Errors quick-xml reports within this many bytes of the end of a chunk may be caused by
/// the cut (`<!` with what follows it in the next chunk), so the chunk is extended first.
const NEAR_END: usize = 16;

/// A chunked, streaming XML reader over `R` (see the module docs); [`Xml::read`] hands
/// every event to a closure.
pub(crate) struct Xml<'p, R: BufRead> {
    input: Chunks<Decoded<R>>,
    /// Empty elements as [`Step::Empty`] (compact) or as a start and an end.
    compact: bool,
    doc: Doc<'p>,
}

/// What a parser may ask about the document while it handles an event.
pub(crate) struct Doc<'p> {
    path: &'p Path,
    depth: usize,
    seen_root: bool,
    /// Names of the open elements, one after the other, and where each ends in `names`.
    names: Vec<u8>,
    name_ends: Vec<usize>,
    /// File offsets of the current event's first byte and of the byte after it.
    at: u64,
    end: u64,
}

/// One event of the document.
pub(crate) enum Step<'b> {
    /// An opening tag (or an empty element, for readers that are not compact).
    Start(Tag<'b>),
    /// A closing tag: the element's local name.
    End(&'b [u8]),
    /// Character data as read, escapes included; decode it with [`Doc::text`] only when
    /// it is needed (whitespace between elements is most of it).
    Text(&'b [u8]),
    /// Character data already decoded: CDATA or a resolved entity reference.
    Chars(String),
    /// An empty element (`<line .../>`), only from [`Xml::compact`] readers: the caller
    /// treats it as a start immediately followed by its end.
    Empty(Tag<'b>),
}

/// A start tag or empty element: its name and raw attributes, borrowed from the buffer.
#[derive(Clone, Copy)]
pub(crate) struct Tag<'b> {
    /// What is between `<` and `>` (or `/>`).
    content: &'b [u8],
    name_len: usize,
}

impl<'b> Tag<'b> {
    /// A tag from what is between `<` and `>` (without the `/` of an empty element).
    pub(crate) fn new(content: &'b [u8]) -> Self {
        Self {
            content,
            name_len: name_len(content),
        }
    }

    /// The element's qualified name (`ns:name`).
    pub(crate) fn name(&self) -> &'b [u8] {
        &self.content[..self.name_len]
    }

    /// The element's name without its namespace prefix.
    pub(crate) fn local_name(&self) -> &'b [u8] {
        local(self.name())
    }

    /// The attributes as written, from just after the name.
    pub(crate) fn attributes_raw(&self) -> &'b [u8] {
        &self.content[self.name_len..]
    }
}

/// What the parser over one chunk stopped on.
enum Stop {
    /// The end of the document.
    Done,
    /// An event runs past the end of the chunk: `buf[start..]` must be parsed again
    /// with more input behind it.
    More,
}

impl<'p, R: BufRead> Xml<'p, R> {
    /// A reader that reports empty elements as [`Step::Empty`] instead of a start and an
    /// end: one event instead of two for the millions of `<line/>` of a coverage file.
    pub(crate) fn compact(input: R, path: &'p Path) -> Result<Self, ParseError> {
        let mut xml = Self::new(input, path)?;
        xml.compact = true;
        Ok(xml)
    }

    /// A reader of `input` in UTF-8, UTF-16 or the encoding its declaration names; an
    /// error for an encoding that is not read (see [`Decoded`]).
    pub(crate) fn new(input: R, path: &'p Path) -> Result<Self, ParseError> {
        Ok(Self {
            input: Chunks::new(Decoded::new(input, path)?, CHUNK),
            compact: false,
            doc: Doc {
                path,
                depth: 0,
                seen_root: false,
                names: Vec::new(),
                name_ends: Vec::new(),
                at: 0,
                end: 0,
            },
        })
    }

    /// Reads `chunk` bytes at a time instead of the default (tests cut events with a
    /// few bytes).
    #[cfg(test)]
    pub(crate) fn with_chunk(mut self, chunk: usize) -> Self {
        self.input = Chunks::new(self.input.into_inner(), chunk);
        self
    }

    /// Reads the whole document, calling `f` for every event in order; stops at the first
    /// error, `f`'s or the document's (malformed, truncated, no root element).
    pub(crate) fn read<F>(mut self, mut f: F) -> Result<(), ParseError>
    where
        F: FnMut(Step<'_>, &Doc<'p>) -> Result<(), ParseError>,
    {
        loop {
            let path = self.doc.path;
            self.input.refill().map_err(|e| {
                ParseError::at(
                    path,
                    self.input.offset() + self.input.window().len() as u64,
                    format!("malformed XML: I/O error: {e}"),
                )
            })?;
            let (stop, used) = parse_window(
                self.input.window(),
                self.input.offset(),
                self.input.at_end(),
                self.compact,
                &mut self.doc,
                &mut f,
            )?;
            self.input.consume(used);
            match stop {
                Stop::Done => return self.doc.finish(),
                Stop::More => {}
            }
        }
    }
}

/// Parses `window` (file offset `origin`), handing complete events to `f`; returns why it
/// stopped and how many bytes of `window` were handled. `last` says the input ends with
/// `window`: nothing is cut then.
///
/// Text, start, empty and end tags (nearly every byte of a report) are cut out of the
/// window here, the way quick-xml cuts them; everything else (comments, CDATA, entity
/// references, declarations, and every malformed construct) goes to quick-xml's parser
/// for one event, so its events and its errors are the ones reported.
fn parse_window<'p, F>(
    window: &[u8],
    origin: u64,
    last: bool,
    compact: bool,
    doc: &mut Doc<'p>,
    f: &mut F,
) -> Result<(Stop, usize), ParseError>
where
    F: FnMut(Step<'_>, &Doc<'p>) -> Result<(), ParseError>,
{
    let mut pos = 0;
    loop {
        let rest = &window[pos..];
        doc.at = origin + pos as u64;
        let Some(&first) = rest.first() else {
            return Ok((if last { Stop::Done } else { Stop::More }, pos));
        };
        if first != b'<' {
            match markup(rest) {
                Some(i) if rest[i] == b'<' || i > 0 => {
                    doc.end = doc.at + i as u64;
                    doc.text_event(&rest[..i], f)?;
                    pos += i;
                    continue;
                }
                None if last => {
                    doc.end = doc.at + rest.len() as u64;
                    doc.text_event(rest, f)?;
                    pos = window.len();
                    continue;
                }
                None => return Ok((Stop::More, pos)),
                // A reference: quick-xml's.
                Some(_) => {}
            }
        } else if let Some(&second) = rest.get(1) {
            if second == b'/' || is_name_start(second) {
                if let Some(close) = tag_end(&rest[1..]) {
                    let tag = &rest[1..=close];
                    if second == b'/' {
                        doc.end = doc.at + close as u64 + 2;
                        doc.end_tag(trim_end(&tag[1..]), f)?;
                        pos += close + 2;
                        continue;
                    }
                    doc.end = doc.at + close as u64 + 2;
                    let (content, empty) = match tag.strip_suffix(b"/") {
                        Some(c) => (c, true),
                        None => (tag, false),
                    };
                    doc.start_tag(Tag::new(content), empty, compact, f)?;
                    pos += close + 2;
                    continue;
                } else if !last {
                    return Ok((Stop::More, pos));
                }
            }
        } else if !last {
            return Ok((Stop::More, pos));
        }
        let mut reader = Reader::from_reader(rest);
        let config = reader.config_mut();
        // Empty elements and end tags are checked by `Doc`, across chunks.
        config.expand_empty_elements = false;
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.trim_text(false);
        let event = reader.read_event();
        let after = position(&reader);
        doc.end = doc.at + after as u64;
        match event {
            Ok(Event::Eof) if last => return Ok((Stop::Done, window.len())),
            // An event that reaches the end of the chunk may go on in the next one.
            Ok(_) if !last && after >= rest.len() => return Ok((Stop::More, pos)),
            Ok(event) => doc.event(event, compact, f)?,
            Err(e) => {
                // quick-xml stops at the end of its input when a construct is not closed.
                if !last && (after >= rest.len() || rest.len() < NEAR_END) {
                    return Ok((Stop::More, pos));
                }
                let at = doc.at + reader.error_position();
                return Err(ParseError::at(doc.path, at, format!("malformed XML: {e}")));
            }
        }
        pos += after;
    }
}

/// The index of the first `<` or `&` in `text`: a plain loop over the first bytes (text
/// between elements is a newline and an indent), `memchr` past them.
fn markup(text: &[u8]) -> Option<usize> {
    const SHORT: usize = 32;
    let head = &text[..text.len().min(SHORT)];
    if let Some(i) = head.iter().position(|&b| b == b'<' || b == b'&') {
        return Some(i);
    }
    memchr::memchr2(b'<', b'&', &text[head.len()..]).map(|i| i + head.len())
}

/// The index in `tag` (what follows a `<`) of the `>` that ends it, skipping quoted
/// attribute values as quick-xml's element parser does.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < tag.len() {
        match tag[i] {
            b'>' => return Some(i),
            q @ (b'"' | b'\'') => {
                i += 1;
                while *tag.get(i)? != q {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Bytes that may start an element name (anything else after `<` goes to quick-xml).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

/// The length of the name at the start of a tag's content (up to the first whitespace).
fn name_len(content: &[u8]) -> usize {
    content
        .iter()
        .position(|&b| is_whitespace(b))
        .unwrap_or(content.len())
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

fn trim_end(name: &[u8]) -> &[u8] {
    let end = name
        .iter()
        .rposition(|&b| !is_whitespace(b))
        .map_or(0, |i| i + 1);
    &name[..end]
}

/// The local part of a qualified name, as quick-xml takes it (after the first `:`).
fn local(name: &[u8]) -> &[u8] {
    memchr::memchr(b':', name).map_or(name, |i| &name[i + 1..])
}

fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

impl Doc<'_> {
    /// The file being read.
    pub(crate) fn path(&self) -> &Path {
        self.path
    }

    /// Current depth (1 inside the root element).
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The file offset of the current event's first byte.
    pub(crate) fn at(&self) -> u64 {
        self.at
    }

    /// An error at the current position (just after the current event).
    pub(crate) fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.path, self.end, message)
    }

    /// Decodes character data, refusing control characters XML forbids.
    pub(crate) fn text(&self, t: &[u8]) -> Result<String, ParseError> {
        if let Some(b) = t.iter().find(|b| is_forbidden(**b)) {
            return Err(self.error(format!(
                "invalid character U+{b:04X} in text (not allowed in XML)"
            )));
        }
        std::str::from_utf8(t)
            .map(str::to_owned)
            .map_err(|e| self.error(format!("text is not valid UTF-8: {e}")))
    }

    /// Checks every attribute of `e` is well formed (`key="value"`, separated by space).
    pub(crate) fn check_attrs(&self, e: &Tag<'_>) -> Result<(), ParseError> {
        let mut attrs = RawAttrs::of(e);
        for _ in attrs.by_ref() {}
        if attrs.well_formed() {
            Ok(())
        } else {
            Err(self.error(format!(
                "malformed attribute in <{}> (a quote inside a value, or a missing space or =)",
                String::from_utf8_lossy(e.local_name())
            )))
        }
    }

    /// The checks at the end of the input: every element closed, a root element seen.
    fn finish(&self) -> Result<(), ParseError> {
        if self.depth > 0 {
            return Err(self.error(format!(
                "unexpected end of file: {} element(s) still open (truncated file?)",
                self.depth
            )));
        }
        if !self.seen_root {
            return Err(self.error("no XML element found (empty file?)"));
        }
        Ok(())
    }

    /// A start tag or empty element at depth 0 is the root: only one is allowed.
    fn root(&mut self) -> Result<(), ParseError> {
        if self.depth == 0 {
            if self.seen_root {
                return Err(self.error("a second root element after the first ended"));
            }
            self.seen_root = true;
        }
        Ok(())
    }
}

impl<'p> Doc<'p> {
    /// Hands over character data; outside the root only whitespace is allowed.
    fn text_event<F>(&mut self, t: &[u8], f: &mut F) -> Result<(), ParseError>
    where
        F: FnMut(Step<'_>, &Doc<'p>) -> Result<(), ParseError>,
    {
        if self.depth == 0 {
            if t.iter().all(u8::is_ascii_whitespace) || t.starts_with(b"\xEF\xBB\xBF") {
                return Ok(());
            }
            return Err(self.error(format!(
                "text outside the root element (is this XML? it starts with {:?})",
                preview(t)
            )));
        }
        f(Step::Text(t), self)
    }

    /// A start tag or an empty element (`empty`), reported as [`Step::Empty`] when the
    /// reader is `compact`, else as a start and an end.
    fn start_tag<F>(
        &mut self,
        e: Tag<'_>,
        empty: bool,
        compact: bool,
        f: &mut F,
    ) -> Result<(), ParseError>
    where
        F: FnMut(Step<'_>, &Doc<'p>) -> Result<(), ParseError>,
    {
        self.root()?;
        if !empty {
            self.names.extend_from_slice(e.name());
            self.name_ends.push(self.names.len());
            self.depth += 1;
            return f(Step::Start(e), self);
        }
        if compact {
            return f(Step::Empty(e), self);
        }
        self.depth += 1;
        f(Step::Start(e), self)?;
        self.depth -= 1;
        f(Step::End(e.local_name()), self)
    }

    /// An end tag: it must close the element opened last.
    fn end_tag<F>(&mut self, name: &[u8], f: &mut F) -> Result<(), ParseError>
    where
        F: FnMut(Step<'_>, &Doc<'p>) -> Result<(), ParseError>,
    {
        let Some(open_end) = self.name_ends.pop() else {
            let found = String::from_utf8_lossy(name).into_owned();
            return Err(self.ill_formed(IllFormedError::UnmatchedEndTag(found)));
        };
        let open_start = self.name_ends.last().copied().unwrap_or(0);
        let open = &self.names[open_start..open_end];
        if open != name {
            let err = IllFormedError::MismatchedEndTag {
                expected: String::from_utf8_lossy(open).into_owned(),
                found: String::from_utf8_lossy(name).into_owned(),
            };
            return Err(self.ill_formed(err));
        }
        self.names.truncate(open_start);
        self.depth -= 1;
        f(Step::End(local(name)), self)
    }

    /// Checks and hands over one complete event from quick-xml.
    fn event<F>(&mut self, event: Event<'_>, compact: bool, f: &mut F) -> Result<(), ParseError>
    where
        F: FnMut(Step<'_>, &Doc<'p>) -> Result<(), ParseError>,
    {
        match event {
            Event::Start(e) => self.start_tag(Tag::new(&e), false, compact, f),
            Event::Empty(e) => self.start_tag(Tag::new(&e), true, compact, f),
            Event::End(e) => self.end_tag(e.name().into_inner(), f),
            Event::Text(t) => self.text_event(&t, f),
            Event::CData(t) => {
                if let Some(b) = t.iter().find(|b| is_forbidden(**b)) {
                    return Err(self.error(format!(
                        "invalid character U+{b:04X} in CDATA (not allowed in XML)"
                    )));
                }
                let s = std::str::from_utf8(&t)
                    .map_err(|e| self.error(format!("CDATA is not UTF-8: {e}")))?
                    .to_owned();
                f(Step::Chars(s), self)
            }
            Event::GeneralRef(r) => {
                let s = self.entity(&r)?;
                f(Step::Chars(s), self)
            }
            Event::Decl(d) => {
                if let Some(Ok(enc)) = d.encoding() {
                    let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
                    // The input was turned into UTF-8 from what the declaration names
                    // before it got here (see `encoding`).
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
                Ok(())
            }
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) | Event::Eof => Ok(()),
        }
    }

    /// An ill-formed document error at the current event, worded as quick-xml words it.
    fn ill_formed(&self, e: IllFormedError) -> ParseError {
        ParseError::at(
            self.path,
            self.at,
            format!("malformed XML: {}", XmlError::IllFormed(e)),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of `input` read with `chunk`-byte chunks, as text, or the error.
    fn events(input: &[u8], chunk: usize, compact: bool) -> Result<Vec<String>, String> {
        let path = Path::new("t.xml");
        let xml = if compact {
            Xml::compact(input, path)
        } else {
            Xml::new(input, path)
        }
        .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        xml.with_chunk(chunk)
            .read(|step, doc| {
                out.push(match step {
                    Step::Start(e) => format!(
                        "<{} [{}] at {} depth {}",
                        lossy(e.name()),
                        lossy(e.attributes_raw()),
                        doc.at(),
                        doc.depth()
                    ),
                    Step::Empty(e) => {
                        format!("<{}/ [{}]", lossy(e.name()), lossy(e.attributes_raw()))
                    }
                    Step::End(n) => format!(">{} depth {}", lossy(n), doc.depth()),
                    Step::Text(t) => format!("text {:?}", lossy(t)),
                    Step::Chars(c) => format!("chars {c:?}"),
                });
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// Reads `input` with every chunk size from 1 byte to past its length and checks
    /// each gives what one chunk gives; returns that.
    fn same_at_every_cut(input: &[u8], compact: bool) -> Result<Vec<String>, String> {
        let whole = events(input, 1 << 20, compact);
        for chunk in 1..input.len() + 2 {
            assert_eq!(
                events(input, chunk, compact),
                whole,
                "chunk of {chunk} bytes"
            );
        }
        whole
    }

    const DOC: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <!DOCTYPE coverage SYSTEM \"x.dtd\">\n\
        <!-- a comment with <tags> & a > sign -->\n\
        <ns:coverage xmlns:ns=\"urn:x\" a='1>2' b=\"it's\">\n\
        <?pi target?>\n\
        <line number=\"1\" hits=\"3\"/><line\n number=\"2\"\thits='0' />\n\
        <source>caf\u{e9} &amp; &#x263A; &lt;b&gt;</source>\n\
        <failure><![CDATA[a <b> ]] c]]></failure>\n\
        <e></e ></ns:coverage>\n";

    #[test]
    fn an_element_cut_by_a_chunk_boundary_is_read_whole_at_every_cut() {
        let got = same_at_every_cut(DOC.as_bytes(), true).unwrap();
        let want = [
            r#"<ns:coverage [ xmlns:ns="urn:x" a='1>2' b="it's"] at 116 depth 1"#,
            "<line/ [ number=\"1\" hits=\"3\"]",
            "<line/ [\n number=\"2\"\thits='0' ]",
            "chars \"&\"",
            "chars \"☺\"",
            "chars \"a <b> ]] c\"",
            "<e [] at 325 depth 2",
            ">e depth 1",
            ">coverage depth 0",
        ];
        for w in want {
            assert!(got.iter().any(|g| g == w), "{w:?} not in {got:#?}");
        }
        assert!(got.contains(&"text \"café \"".to_owned()), "{got:#?}");
    }

    #[test]
    fn comments_cdata_and_references_cut_by_a_boundary_are_read_whole_when_expanded() {
        let got = same_at_every_cut(DOC.as_bytes(), false).unwrap();
        assert!(
            got.contains(&"<line [ number=\"1\" hits=\"3\"] at 178 depth 2".to_owned()),
            "{got:#?}"
        );
        assert!(got.contains(&">line depth 1".to_owned()), "{got:#?}");
        assert!(
            !got.iter()
                .any(|g| g.contains("comment") || g.contains("pi target")),
            "{got:#?}"
        );
    }

    #[test]
    fn an_element_larger_than_the_chunk_grows_the_buffer() {
        let attrs = (0..5000).fold(String::new(), |mut s, i| {
            use std::fmt::Write as _;
            let _ = write!(s, " a{i}=\"{i}\"");
            s
        });
        let doc = format!("<r><big{attrs}/><after/></r>");
        let got = events(doc.as_bytes(), 64, true).unwrap();
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got[1].starts_with("<big/ [ a0=\"0\"") && got[1].ends_with("a4999=\"4999\"]"));
        assert_eq!(got[2], "<after/ []");
    }

    #[test]
    fn a_truncated_file_is_an_error_naming_the_position_at_every_cut() {
        for doc in [
            "<testsuite><testcase name=\"a\"><skipped",
            "<r><line number=\"1",
            "<r><!-- never closed",
            "<r><![CDATA[ never closed",
            "<r>text &amp",
            "<r><a></a>",
        ] {
            let err = same_at_every_cut(doc.as_bytes(), true).unwrap_err();
            assert!(err.starts_with("t.xml: at byte "), "{doc}: {err}");
        }
        let err = events(b"<r><a></a>", 3, true).unwrap_err();
        assert!(
            err.contains("1 element(s) still open (truncated file?)"),
            "{err}"
        );
        let err = events(b"<testsuite><testcase name=\"a\"><skipped", 5, false).unwrap_err();
        assert!(err.starts_with("t.xml: at byte 30: malformed XML"), "{err}");
    }

    #[test]
    fn mismatched_and_unmatched_end_tags_are_errors_at_the_end_tag_whatever_the_chunks() {
        let err = same_at_every_cut(b"<r><a></b></r>", true).unwrap_err();
        assert_eq!(
            err,
            "t.xml: at byte 6: malformed XML: ill-formed document: expected `</a>`, but `</b>` was found"
        );
        let err = same_at_every_cut(b"<r></r></x>", true).unwrap_err();
        assert!(err.contains("`</x>` does not match any open tag"), "{err}");
        let err = same_at_every_cut(b"<r/><s/>", true).unwrap_err();
        assert!(err.contains("a second root element"), "{err}");
    }

    #[test]
    fn utf16_input_cut_into_small_chunks_reads_as_utf8() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<r n=\"é 𝄞\"><a/>x</r>".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let got = same_at_every_cut(&bytes, true).unwrap();
        assert_eq!(got[0], "<r [ n=\"é 𝄞\"] at 0 depth 1");
        assert_eq!(got[2], "text \"x\"");
    }

    #[test]
    fn a_byte_order_mark_inside_the_document_is_text() {
        let got = same_at_every_cut("<r><a/>\u{feff}x</r>".as_bytes(), true).unwrap();
        assert_eq!(got[2], format!("text {:?}", "\u{feff}x"));
    }

    /// The same events from quick-xml's own buffered reader over the whole input, with
    /// the settings the parsers had before this reader (the oracle of the tests below).
    fn quick_xml_events(input: &[u8]) -> Result<Vec<String>, String> {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.trim_text(false);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let mut depth = 0usize;
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        loop {
            buf.clear();
            let at = reader.buffer_position();
            match reader
                .read_event_into(&mut buf)
                .map_err(|e| e.to_string())?
            {
                Event::Start(e) => {
                    depth += 1;
                    let t = Tag::new(&e);
                    out.push(format!(
                        "<{} [{}] at {at} depth {depth}",
                        lossy(t.name()),
                        lossy(t.attributes_raw())
                    ));
                }
                Event::Empty(e) => {
                    let t = Tag::new(&e);
                    out.push(format!(
                        "<{}/ [{}]",
                        lossy(t.name()),
                        lossy(t.attributes_raw())
                    ));
                }
                Event::End(e) => {
                    depth -= 1;
                    out.push(format!(">{} depth {depth}", lossy(e.local_name().as_ref())));
                }
                Event::Text(t) if depth > 0 => out.push(format!("text {:?}", lossy(&t))),
                Event::CData(t) => out.push(format!("chars {:?}", lossy(&t))),
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::unescape(&format!("&{};", lossy(&r)))
                            .map_err(|e| e.to_string())?
                            .into_owned(),
                    };
                    out.push(format!("chars {c:?}"));
                }
                Event::Eof => return Ok(out),
                _ => {}
            }
        }
    }

    #[test]
    fn events_are_quick_xmls_own_on_a_sample_and_on_every_xml_report_of_the_corpus() {
        assert_eq!(
            events(DOC.as_bytes(), 1 << 20, true),
            quick_xml_events(DOC.as_bytes())
        );
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "xml") {
                    files.push(path);
                }
            }
        }
        assert!(
            files.len() > 100,
            "only {} XML files under tests/",
            files.len()
        );
        let mut compared = 0;
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            // UTF-16 and Latin-1 files are decoded first: quick-xml alone cannot read them
            // (tests/it/encodings.rs reads those).
            if std::str::from_utf8(&bytes).is_err() || bytes.contains(&0) {
                continue;
            }
            let want = quick_xml_events(&bytes);
            for chunk in [1 << 20, 4096, 61] {
                let got = events(&bytes, chunk, true);
                match (&got, &want) {
                    (Ok(g), Ok(w)) => {
                        let first = g.iter().zip(w).position(|(a, b)| a != b);
                        assert!(
                            first.is_none() && g.len() == w.len(),
                            "{} in chunks of {chunk}: event {first:?} differs ({:?} vs {:?})",
                            path.display(),
                            first.map(|i| &g[i]),
                            first.map(|i| &w[i]),
                        );
                    }
                    // Both refuse it (the messages differ: only ours names the file).
                    (Err(_), Err(_)) => {}
                    // The whole-document checks quick-xml leaves to its caller.
                    (Err(e), Ok(_))
                        if [
                            "still open",
                            "no XML element",
                            "second root",
                            "outside the root",
                        ]
                        .iter()
                        .any(|m| e.contains(m)) => {}
                    _ => panic!(
                        "{} in chunks of {chunk}: {:?} vs {:?}",
                        path.display(),
                        got.as_ref().err(),
                        want.as_ref().err()
                    ),
                }
            }
            compared += 1;
        }
        assert!(compared > 100, "only {compared} files compared");
    }
}
