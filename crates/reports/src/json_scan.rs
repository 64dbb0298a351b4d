//! A strict JSON scanner over a byte slice, for the hot loop of a streaming reader (one
//! SARIF result after another). It reads the common case itself: a value whole in the
//! buffer, keys without escapes, numbers a reader needs as plain integers. For anything
//! else it answers `None`: a value cut by the end of the buffer, an escaped key, deep
//! nesting, and every malformed document. The caller then reads the same value again
//! with serde_json, which handles every case and names every error.
//!
//! The scanner accepts nothing serde_json refuses: its grammar (strings, escapes,
//! numbers, literals, commas) is serde_json's, checked against it by the differential
//! tests of the readers that use it. Where it is stricter (an integer of 19 digits or
//! more, `-0`, an escaped key, nesting past `MAX_DEPTH`), serde_json decides. Like
//! serde_json's `ignore_value`, it does not check that a string it skips (a value or a
//! key) is UTF-8, nor what a `\u` escape there encodes.

use std::borrow::Cow;

/// Nesting below a scanned value that the scanner follows before leaving it to serde_json
/// (whose own limit is 128).
const MAX_DEPTH: u32 = 64;

/// Bytes that end a run of plain string content: `"`, `\` and the control characters
/// JSON forbids in strings.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A cursor over a buffer (see the module docs).
pub(crate) struct Scan<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Scan<'a> {
    /// A cursor at the start of `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            depth: 0,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn used(&self) -> usize {
        self.pos
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.buf.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.buf.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// `Some(None)` after consuming `null`, else `f`'s value: a nullable field. (The
    /// outer `None` is the scanner's "left to serde_json", the inner one JSON's null.)
    #[allow(clippy::option_option)]
    pub(crate) fn nullable<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        f(self).map(Some)
    }

    /// The raw bytes of a string's content up to its closing quote or first escape, and
    /// whether any of them is not ASCII; the cursor is left on that quote or escape.
    #[inline]
    fn plain_run(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.pos;
        let rest = self.buf.get(start..)?;
        let (n, high) = plain_len(rest)?;
        self.pos = start + n;
        Some((&rest[..n], high))
    }

    /// Skips the rest of a string whose opening quote is consumed, checking its escapes
    /// as serde_json does (`\u` needs four hex digits; what they encode is not checked).
    fn skip_string_rest(&mut self) -> Option<()> {
        loop {
            self.plain_run()?;
            match self.buf[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => {
                    let esc = *self.buf.get(self.pos + 1)?;
                    self.pos += 2;
                    match esc {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.buf.get(self.pos..self.pos + 4)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.pos += 4;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// A string, borrowed when it has no escapes; escaped strings are undone by
    /// serde_json itself, so they read exactly as the serde path reads them.
    pub(crate) fn str(&mut self) -> Option<Cow<'a, str>> {
        if self.peek()? != b'"' {
            return None;
        }
        let open = self.pos;
        self.pos += 1;
        let (run, _) = self.plain_run()?;
        if self.buf[self.pos] == b'"' {
            self.pos += 1;
            return std::str::from_utf8(run).ok().map(Cow::Borrowed);
        }
        self.skip_string_rest()?;
        serde_json::from_slice::<String>(&self.buf[open..self.pos])
            .ok()
            .map(Cow::Owned)
    }

    /// An object key, as bytes: a string without escapes (an escaped key goes to
    /// serde_json). serde_json checks a struct's keys are UTF-8, so a key that is not
    /// ASCII is checked here; the keys a reader knows are ASCII and matched as bytes.
    #[inline]
    fn key(&mut self) -> Option<&'a [u8]> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let (run, high) = self.plain_run()?;
        if self.buf[self.pos] != b'"' || (high && std::str::from_utf8(run).is_err()) {
            return None;
        }
        self.pos += 1;
        Some(run)
    }

    /// An integer that fits in an `i64`, written without fraction or exponent (what
    /// serde_json gives an `i64` field); any other number (and `-0`, a float to
    /// serde_json) goes to serde_json.
    pub(crate) fn int(&mut self) -> Option<i64> {
        self.peek()?;
        let negative = self.buf[self.pos] == b'-';
        let start = self.pos + usize::from(negative);
        let digits = self.buf.get(start..)?;
        let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        let after = *digits.get(n)?;
        if n == 0 || n > 18 || (n > 1 && digits[0] == b'0') || matches!(after, b'.' | b'e' | b'E') {
            return None;
        }
        let mut v: i64 = 0;
        for &d in &digits[..n] {
            v = v * 10 + i64::from(d - b'0');
        }
        if negative && v == 0 {
            // serde_json reads `-0` as a float, which an `i64` field refuses.
            return None;
        }
        self.pos = start + n;
        Some(if negative { -v } else { v })
    }

    /// Skips a number as serde_json's grammar has it.
    fn skip_number(&mut self) -> Option<()> {
        if self.buf[self.pos] == b'-' {
            self.pos += 1;
        }
        let digits = |s: &mut Self| {
            let rest = s.buf.get(s.pos..).unwrap_or_default();
            let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            s.pos += n;
            n
        };
        match self.buf.get(self.pos)? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.buf.get(self.pos)? == &b'.' {
            self.pos += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        if matches!(self.buf.get(self.pos)?, b'e' | b'E') {
            self.pos += 1;
            if matches!(self.buf.get(self.pos)?, b'+' | b'-') {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        // The number must be followed by something, or it may go on past the buffer.
        self.buf.get(self.pos)?;
        Some(())
    }

    /// Skips any value, checking it is well formed.
    pub(crate) fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.pos += 1;
                self.skip_string_rest()
            }
            b'{' => self.skip_object(),
            b'[' => self.array(Self::skip),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// Walks an object, calling `f` with each key; `f` must consume the key's value.
    pub(crate) fn object(
        &mut self,
        mut f: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        self.sequence(b'{', b'}', |s| {
            let key = s.key()?;
            s.eat(b':')?;
            f(s, key)
        })
    }

    /// Skips an object: its keys are checked as serde_json checks ignored keys (escapes,
    /// not UTF-8).
    fn skip_object(&mut self) -> Option<()> {
        self.sequence(b'{', b'}', |s| {
            s.eat(b'"')?;
            s.skip_string_rest()?;
            s.eat(b':')?;
            s.skip()
        })
    }

    /// Walks an array, calling `f` for each element; `f` must consume the element.
    pub(crate) fn array(&mut self, f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.sequence(b'[', b']', f)
    }

    /// `open`, then `item` for each member or element, separated by commas, then `close`.
    fn sequence(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        self.enter()?;
        if self.peek()? != close {
            loop {
                item(self)?;
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        // serde_json refuses a trailing comma.
                        if self.peek()? == close {
                            return None;
                        }
                    }
                    b if b == close => break,
                    _ => return None,
                }
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }
}

/// The length of the plain run at the start of `bytes` (up to a quote, a backslash or a
/// control character) and whether it holds a byte that is not ASCII; `None` when the
/// buffer ends first. Eight bytes at a time, as serde_json's own string scan does.
#[inline]
fn plain_len(bytes: &[u8]) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut high = 0u64;
    let mut words = bytes.chunks_exact(8);
    let mut i = 0;
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let quote = x ^ (ONES * u64::from(b'"'));
        let slash = x ^ (ONES * u64::from(b'\\'));
        // A lane's high bit is set where the byte is below 0x20, a quote or a backslash
        // (lanes above the first such byte may be set wrongly, the lowest is exact).
        let stop = (x.wrapping_sub(ONES * 0x20) & !x)
            | (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash);
        let stop = stop & HIGH;
        if stop != 0 {
            let n = (stop.trailing_zeros() / 8) as usize;
            let before = if n == 0 {
                0
            } else {
                x & (u64::MAX >> (64 - 8 * n))
            };
            return Some((i + n, (high | before) & HIGH != 0));
        }
        high |= x;
        i += 8;
    }
    let tail = words.remainder();
    let n = tail.iter().position(|&b| STOP[usize::from(b)])?;
    let tail_high = tail[..n].iter().any(|&b| b >= 0x80);
    Some((i + n, high & HIGH != 0 || tail_high))
}

/// Which fields of an object were read, to leave a duplicate to serde_json (which refuses
/// a struct field given twice).
#[derive(Default)]
pub(crate) struct Seen(u32);

impl Seen {
    /// Marks field `bit`; `None` when it was already read.
    pub(crate) fn once(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        if self.0 & mask != 0 {
            return None;
        }
        self.0 |= mask;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde::de::IgnoredAny;

    /// Whether the scanner and serde_json agree on skipping `doc` (the scanner may leave
    /// a document to serde_json, never accept one it refuses).
    fn agrees(doc: &str) -> bool {
        let serde_ok = serde_json::from_str::<IgnoredAny>(doc).is_ok();
        let mut s = Scan::new(doc.as_bytes());
        // A trailing space stands for "more follows": a bare number needs it.
        match s.skip() {
            Some(()) => serde_ok && s.buf[s.pos..].iter().all(u8::is_ascii_whitespace),
            None => true,
        }
    }

    #[test]
    fn what_serde_json_refuses_the_scanner_never_accepts() {
        for doc in [
            "{\"a\": [1, 2,]} ",
            "{\"a\": 1,} ",
            "[01] ",
            "[1.] ",
            "[1e] ",
            "[-] ",
            "[.5] ",
            "[+1] ",
            "[\"\\x\"] ",
            "[\"\\u12g4\"] ",
            "[\"a\tb\"] ",
            "[tru] ",
            "[nul] ",
            "{1: 2} ",
            "{\"a\" 1} ",
            "[1 2] ",
            "{\"a\": 1 \"b\": 2} ",
            "[\"\\ud800\"] ",
            "[1, {\"x\": [true, false, null, -0.5e+3, \"\\u00e9\\n\"]}] ",
        ] {
            assert!(agrees(doc), "{doc}");
        }
    }

    #[test]
    fn well_formed_values_are_scanned_whole() {
        let doc = b"{\"a\": [1, -2.5e3, true, false, null, \"x\\\"y\"], \"b\": {}} ,";
        let mut s = Scan::new(doc);
        assert_eq!(s.skip(), Some(()));
        assert_eq!(&doc[s.used()..], b" ,");
    }

    #[test]
    fn a_value_cut_by_the_end_of_the_buffer_is_left_to_serde_json() {
        let doc = b"{\"a\": [1, \"two\", {\"b\": 3}]}";
        for cut in 0..doc.len() {
            assert_eq!(Scan::new(&doc[..cut]).skip(), None, "cut at {cut}");
        }
        assert_eq!(
            Scan::new(b"12").int(),
            None,
            "a number at the end may go on"
        );
    }

    #[test]
    fn strings_are_borrowed_unless_escaped_and_read_as_serde_json_reads_them() {
        let mut s = Scan::new(b"\"plain caf\xc3\xa9\" ");
        assert!(matches!(s.str(), Some(Cow::Borrowed("plain café"))));
        let mut s = Scan::new(b"\"a\\\"b\\u00e9\\ud83d\\ude00\" ");
        assert_eq!(s.str().as_deref(), Some("a\"bé😀"));
        assert_eq!(Scan::new(b"\"\\ud800\" ").str(), None);
        assert_eq!(Scan::new(b"\"\xff\" ").str(), None);
    }

    #[test]
    fn integers_outside_i64_or_with_a_fraction_are_left_to_serde_json() {
        let int = |t: &str| Scan::new(t.as_bytes()).int();
        assert_eq!(int("42,"), Some(42));
        assert_eq!(int("-7}"), Some(-7));
        assert_eq!(int("0 "), Some(0));
        assert_eq!(int("01,"), None);
        assert_eq!(int("1.0,"), None);
        assert_eq!(int("1e3,"), None);
        assert_eq!(int("9999999999999999999,"), None);
        assert_eq!(int("-,"), None);
        assert_eq!(int("-0,"), None, "serde_json reads -0 as a float");
    }

    #[test]
    fn deep_nesting_is_left_to_serde_json() {
        let deep = format!("{}{} ", "[".repeat(70), "]".repeat(70));
        assert_eq!(Scan::new(deep.as_bytes()).skip(), None);
        let ok = format!("{}{} ", "[".repeat(60), "]".repeat(60));
        assert_eq!(Scan::new(ok.as_bytes()).skip(), Some(()));
    }

    #[test]
    fn plain_runs_end_where_a_byte_at_a_time_scan_ends_them() {
        // Stops, high bytes and bytes next to the stops' values (0x1f/0x20, 0x21/0x22,
        // 0x5b/0x5c/0x5d, 0x9f/0xa0, 0xdc), at every lane of the eight-byte words.
        let odd = [
            b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0x9f, 0xa0, 0xa2,
            0xc3, 0xdc, 0xff,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let len = usize::try_from(next() % 26).unwrap();
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() {
                    y if y % 3 == 0 => odd[usize::try_from((y >> 8) % 17).unwrap()],
                    y => b' ' + u8::try_from((y >> 16) % 0x60).unwrap(),
                })
                .collect();
            let naive = bytes
                .iter()
                .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
                .map(|n| (n, bytes[..n].iter().any(|&b| b >= 0x80)));
            assert_eq!(plain_len(&bytes), naive, "{bytes:?}");
        }
    }
}
