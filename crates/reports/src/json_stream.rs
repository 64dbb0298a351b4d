//! A streaming JSON reader for documents too large to hold (a SARIF log of a whole
//! monorepo): the caller walks the outer objects and arrays key by key and element by
//! element, and each value it wants is parsed by serde_json from the chunk buffer as a
//! slice ([`crate::chunks`]), not byte by byte from a reader. A value cut by the end of
//! a chunk is parsed again once the next chunk is in.
//!
//! Positions in errors are line and column in the file, as serde_json gives them for
//! a whole document.

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::chunks::{CHUNK, Chunks};
use crate::error::ParseError;

/// A type that deserialises borrowing from the input, for [`JsonStream::borrowed`]:
/// `Value<'de>` is the type read from a buffer that lives for `'de`.
pub(crate) trait Borrowed {
    /// The value read.
    type Value<'de>: serde::Deserialize<'de>;
}

/// An owned type read through [`JsonStream::borrowed`].
struct Owned<T>(std::marker::PhantomData<T>);

impl<T: DeserializeOwned> Borrowed for Owned<T> {
    type Value<'de> = T;
}

/// A cursor over a JSON document (see the module docs).
pub(crate) struct JsonStream<'p, R> {
    input: Chunks<R>,
    path: &'p Path,
    /// Lines are counted lazily, a chunk at a time: `line` (1-based) is the line at the
    /// buffer's first byte, and `line_start` the file offset where that line starts.
    line: u64,
    line_start: u64,
    /// Whether [`JsonStream::scanned`] tries its scanner first (tests turn it off to read
    /// every value through serde_json and compare).
    fast: bool,
}

impl<'p, R: Read> JsonStream<'p, R> {
    /// A cursor at the start of `input`; `path` names it in errors.
    pub(crate) fn new(input: R, path: &'p Path) -> Self {
        Self {
            input: Chunks::new(input, CHUNK),
            path,
            line: 1,
            line_start: 0,
            fast: true,
        }
    }

    /// Reads every value through serde_json, for tests that compare the two paths.
    #[cfg(test)]
    pub(crate) fn without_scanner(mut self) -> Self {
        self.fast = false;
        self
    }

    /// Reads `chunk` bytes at a time instead of the default (tests cut values with a
    /// few bytes).
    #[cfg(test)]
    pub(crate) fn with_chunk(mut self, chunk: usize) -> Self {
        self.input = Chunks::new(self.input.into_inner(), chunk);
        self
    }

    /// The file being read.
    pub(crate) fn path(&self) -> &Path {
        self.path
    }

    /// The next byte that is not whitespace, not consumed; `None` at the end of the input.
    pub(crate) fn peek(&mut self) -> Result<Option<u8>, ParseError> {
        loop {
            let window = self.input.window();
            if let Some(i) = window.iter().position(|b| !is_space(*b)) {
                let b = window[i];
                self.advance(i);
                return Ok(Some(b));
            }
            self.advance(window.len());
            if self.input.at_end() {
                return Ok(None);
            }
            self.refill()?;
        }
    }

    /// Parses the next value as a `T`, from the buffer as a slice.
    pub(crate) fn value<T: DeserializeOwned>(&mut self) -> Result<T, ParseError> {
        self.borrowed::<Owned<T>, T>(|v| v)
    }

    /// Parses the next value as a `B::Value`, which may borrow from the buffer, and hands
    /// it to `f` (the buffer moves on once `f` returns).
    pub(crate) fn borrowed<B: Borrowed, U>(
        &mut self,
        mut f: impl FnMut(B::Value<'_>) -> U,
    ) -> Result<U, ParseError> {
        if self.peek()?.is_none() {
            return Err(self.eof());
        }
        // An error other than "the input ended" can still come from the cut: serde_json
        // refuses `1.` or `-` at the end of a slice as a malformed number, where the file
        // goes on `1.5`. An error is reported once the value is read again with more of
        // the file behind it and fails the same way (or when the file has ended).
        let mut refused: Option<ParseError> = None;
        loop {
            let window = self.input.window();
            let mut values =
                serde_json::Deserializer::from_slice(window).into_iter::<B::Value<'_>>();
            let whole = |used: usize| used < window.len() || self.input.at_end();
            // The value borrows the window: it is used up inside the match, before the
            // window moves.
            let done = match values.next() {
                Some(Ok(v)) if whole(values.byte_offset()) => Some((f(v), values.byte_offset())),
                Some(Err(e)) if self.input.at_end() => return Err(self.serde_error(&e)),
                Some(Err(e)) if !e.is_eof() => {
                    let error = self.serde_error(&e);
                    if refused.as_ref() == Some(&error) {
                        return Err(error);
                    }
                    refused = Some(error);
                    None
                }
                _ => None,
            };
            drop(values);
            match done {
                Some((out, used)) => {
                    self.advance(used);
                    return Ok(out);
                }
                // Cut by the end of the chunk: read more and parse again.
                None => self.refill()?,
            }
        }
    }

    /// Reads the next value with `scan` when it can, else as a `B::Value` through
    /// serde_json, and hands it to `f` either way. `scan` reads the window's start and
    /// returns the value and the bytes it took, or `None` for anything it leaves to
    /// serde_json (see [`crate::json_scan`]); it must read a value exactly as serde does.
    pub(crate) fn scanned<B: Borrowed, U>(
        &mut self,
        scan: impl for<'w> FnOnce(&'w [u8]) -> Option<(B::Value<'w>, usize)>,
        mut f: impl FnMut(B::Value<'_>) -> U,
    ) -> Result<U, ParseError> {
        if self.peek()?.is_none() {
            return Err(self.eof());
        }
        if self.fast {
            // The value borrows the window: it is used up here, before the window moves.
            let done = scan(self.input.window()).map(|(value, used)| (f(value), used));
            if let Some((out, used)) = done {
                self.advance(used);
                return Ok(out);
            }
        }
        self.borrowed::<B, U>(f)
    }

    /// Walks an object whose `{` is next, calling `f` with each key; `f` must consume the
    /// key's value (with [`JsonStream::value`] or by walking it).
    pub(crate) fn object(
        &mut self,
        mut f: impl FnMut(&mut Self, &str) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        self.expect(b'{')?;
        if self.peek()? == Some(b'}') {
            self.advance(1);
            return Ok(());
        }
        loop {
            if self.peek()? != Some(b'"') {
                return Err(self.syntax("key must be a string"));
            }
            let key: String = self.value()?;
            self.expect(b':')?;
            f(self, &key)?;
            match self.peek()? {
                Some(b',') => self.advance(1),
                Some(b'}') => {
                    self.advance(1);
                    return Ok(());
                }
                Some(_) => return Err(self.syntax("expected `,` or `}`")),
                None => return Err(self.eof()),
            }
        }
    }

    /// Walks an array whose `[` is next, calling `f` for each element; `f` must consume
    /// the element.
    pub(crate) fn array(
        &mut self,
        mut f: impl FnMut(&mut Self) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        self.expect(b'[')?;
        if self.peek()? == Some(b']') {
            self.advance(1);
            return Ok(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                Some(b',') => {
                    self.advance(1);
                    if self.peek()? == Some(b']') {
                        return Err(self.syntax("trailing comma"));
                    }
                }
                Some(b']') => {
                    self.advance(1);
                    return Ok(());
                }
                Some(_) => return Err(self.syntax("expected `,` or `]`")),
                None => return Err(self.eof()),
            }
        }
    }

    /// Checks nothing but whitespace follows the document.
    pub(crate) fn end(&mut self) -> Result<(), ParseError> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters")),
        }
    }

    /// Consumes `b`, the next byte that is not whitespace, or fails naming it.
    fn expect(&mut self, b: u8) -> Result<(), ParseError> {
        match self.peek()? {
            Some(found) if found == b => {
                self.advance(1);
                Ok(())
            }
            Some(_) => Err(self.syntax(&format!("expected `{}`", char::from(b)))),
            None => Err(self.eof()),
        }
    }

    fn refill(&mut self) -> Result<(), ParseError> {
        if self.input.at_end() {
            return Ok(());
        }
        // The consumed bytes leave the buffer: count their lines first.
        (self.line, self.line_start) = self.line_at_window();
        self.input
            .refill()
            .map_err(|e| ParseError::whole(self.path, format!("cannot read: {e}")))
    }

    /// Consumes `n` bytes of the window.
    fn advance(&mut self, n: usize) {
        self.input.consume(n);
    }

    /// The line at the window's start and the offset where it starts: the lines of the
    /// bytes consumed since the buffer last moved are counted now, in one pass.
    fn line_at_window(&self) -> (u64, u64) {
        let consumed = self.input.consumed();
        match memchr::memrchr(b'\n', consumed) {
            Some(last) => (
                self.line + memchr::memchr_iter(b'\n', consumed).count() as u64,
                self.input.base() + last as u64 + 1,
            ),
            None => (self.line, self.line_start),
        }
    }

    /// Line and column (1-based) of the window's first byte.
    fn here(&self) -> (u64, u64) {
        let (line, line_start) = self.line_at_window();
        (line, self.input.offset() - line_start + 1)
    }

    fn syntax(&self, what: &str) -> ParseError {
        let (line, col) = self.here();
        ParseError::at_line(self.path, line, col, format!("malformed JSON: {what}"))
    }

    fn eof(&self) -> ParseError {
        let (line, col) = self.here();
        ParseError::at_line(self.path, line, col, crate::json::EOF)
    }

    /// serde_json's error in a value parsed from the window, at its place in the file.
    fn serde_error(&self, e: &serde_json::Error) -> ParseError {
        let (line, col) = self.here();
        let (l, c) = (e.line() as u64, e.column() as u64);
        let (line, col) = match l {
            0 => (line, col),
            1 => (line, col + c.saturating_sub(1)),
            _ => (line + l - 1, c),
        };
        ParseError::at_line(self.path, line, col, crate::json::message(e))
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde::de::IgnoredAny;

    /// The keys and the `n` values of `doc`'s objects under `"items"`, walked with chunks
    /// of `chunk` bytes.
    fn walk(doc: &str, chunk: usize) -> Result<Vec<String>, String> {
        let mut js = JsonStream::new(doc.as_bytes(), Path::new("t.json")).with_chunk(chunk);
        let mut out = Vec::new();
        js.object(|js, key| {
            out.push(key.to_owned());
            if key == "items" {
                js.array(|js| {
                    #[derive(serde::Deserialize)]
                    struct Item {
                        n: Option<i64>,
                    }
                    let item: Item = js.value()?;
                    out.push(format!("n={:?}", item.n));
                    Ok(())
                })
            } else {
                js.value::<IgnoredAny>().map(|_| ())
            }
        })
        .and_then(|()| js.end())
        .map_err(|e| e.to_string())?;
        Ok(out)
    }

    const DOC: &str = "{\"$schema\": \"x\", \"a\\u0062\": [1, {\"deep\": [true, null]}],\n\
        \"items\": [{\"n\": 1, \"s\": \"caf\u{e9} \\\" }\"}, {\"n\": 22}, {}],\n\
        \"last\": 12345}\n";

    #[test]
    fn values_cut_by_a_chunk_boundary_are_read_whole_at_every_cut() {
        let want = walk(DOC, 1 << 20).unwrap();
        assert_eq!(
            want,
            [
                "$schema",
                "ab",
                "items",
                "n=Some(1)",
                "n=Some(22)",
                "n=None",
                "last"
            ]
        );
        for chunk in 1..DOC.len() + 2 {
            assert_eq!(
                walk(DOC, chunk).as_ref(),
                Ok(&want),
                "chunk of {chunk} bytes"
            );
        }
    }

    #[test]
    fn numbers_cut_after_a_point_a_sign_or_an_exponent_read_whole_at_every_cut() {
        // serde_json refuses `1.`, `-` and `2e` at the end of a slice as malformed
        // numbers (not as a cut input): each cut must be read again, not reported.
        let doc = "{\"items\": [{\"n\": 1, \"x\": [-1.5, 2e+3, -0.25E-2, -7]}, {\"n\": -3}]}";
        let want = walk(doc, 1 << 20).unwrap();
        assert_eq!(want, ["items", "n=Some(1)", "n=Some(-3)"]);
        for chunk in 1..doc.len() + 2 {
            assert_eq!(
                walk(doc, chunk).as_ref(),
                Ok(&want),
                "chunk of {chunk} bytes"
            );
        }
        let bad = "{\"items\": [{\"n\": 1, \"x\": 1.e5}]}";
        let want = walk(bad, 1 << 20).unwrap_err();
        assert!(want.contains("malformed JSON"), "{want}");
        for chunk in 1..bad.len() + 2 {
            assert_eq!(
                walk(bad, chunk).as_ref(),
                Err(&want),
                "chunk of {chunk} bytes"
            );
        }
    }

    #[test]
    fn a_truncated_document_is_an_error_at_its_end_whatever_the_chunks() {
        for cut in [10, 40, 70, DOC.len() - 2] {
            for chunk in [1, 7, 1 << 20] {
                let err = walk(&DOC[..cut], chunk).unwrap_err();
                assert!(
                    err.contains("truncated JSON"),
                    "cut {cut} chunk {chunk}: {err}"
                );
            }
        }
        let err = walk("{\"items\": [{\"n\": 1},\n{\"n\": ", 3).unwrap_err();
        assert!(err.starts_with("t.json:2:"), "{err}");
    }

    #[test]
    fn malformed_json_is_an_error_at_its_line_and_column_whatever_the_chunks() {
        for chunk in [1, 5, 1 << 20] {
            let err = walk("{\"a\": 1,\n \"items\": [{\"n\": tru}]}", chunk).unwrap_err();
            assert!(err.starts_with("t.json:2:"), "{err}");
            assert!(err.contains("malformed JSON"), "{err}");
            let err = walk("{\"a\": 1 \"b\": 2}", chunk).unwrap_err();
            assert_eq!(err, "t.json:1:9: malformed JSON: expected `,` or `}`");
            let err = walk("{\"items\": [{}, ]}", chunk).unwrap_err();
            assert!(err.contains("trailing comma"), "{err}");
            let err = walk("{} x", chunk).unwrap_err();
            assert!(err.contains("trailing characters"), "{err}");
            let err = walk("{\"items\": [{\"n\": \"one\"}]}", chunk).unwrap_err();
            assert!(
                err.starts_with("t.json:1:") && err.contains("unexpected JSON shape"),
                "{err}"
            );
        }
    }
}
