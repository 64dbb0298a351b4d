//! Helpers for the XML parsers: attribute lookup straight from a start tag's bytes,
//! numbers and values decoded without allocating, and the root element check. The reader
//! itself is [`crate::xml_reader`].

use std::path::Path;

use crate::error::ParseError;
use crate::xml_reader::Tag;

/// The first few characters of `bytes`, for error messages.
pub(crate) fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    s.trim().to_owned()
}

/// The attributes of a start tag as raw `(key, value)` byte slices, without allocating
/// or unescaping; stops at the first malformed attribute (see [`crate::xml_reader::Doc::check_attrs`]).
pub(crate) struct RawAttrs<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> RawAttrs<'a> {
    pub(crate) fn of(e: &'a Tag<'_>) -> Self {
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

    /// One pass of index loops over `key="value"` (this runs for every attribute of
    /// millions of elements): the first `=` ends the key (trailing space trimmed), the
    /// value runs to the matching quote.
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.rest;
        let mut i = 0;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == b.len() {
            return None;
        }
        // Keys may carry a namespace prefix: the local name starts after the last `:`,
        // found in the same pass.
        let mut local = i;
        while i < b.len() && b[i] != b'=' {
            if b[i] == b':' {
                local = i + 1;
            }
            i += 1;
        }
        if i == b.len() {
            self.malformed = true;
            return None;
        }
        let key = trim_end(&b[local..i]);
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        // `key=` and nothing after: `well_formed` sees what is left.
        let quote = *b.get(i)?;
        if quote != b'"' && quote != b'\'' {
            self.rest = &[];
            self.malformed = true;
            return None;
        }
        i += 1;
        let value_start = i;
        while i < b.len() && b[i] != quote {
            i += 1;
        }
        if i == b.len() {
            self.malformed = true;
            return None;
        }
        let value = &b[value_start..i];
        self.rest = &b[i + 1..];
        if self
            .rest
            .first()
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'/')
        {
            // `a="x"b="y"`: a quote inside a value, or a missing separator.
            self.malformed = true;
        }
        Some((key, value))
    }
}

fn trim_end(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..end]
}

/// The raw bytes of attribute `name`, `None` when absent.
pub(crate) fn attr_raw<'a>(e: &'a Tag<'_>, name: &[u8]) -> Option<&'a [u8]> {
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
pub(crate) fn attr(e: &Tag<'_>, name: &[u8]) -> Option<String> {
    attr_raw(e, name).map(decode_value)
}

/// Whether `bytes` is `lit`, compared byte by byte in line (a slice `==` calls `memcmp`,
/// which costs more than the comparison for the names of a hot loop).
#[inline]
pub(crate) fn is<const N: usize>(bytes: &[u8], lit: &[u8; N]) -> bool {
    bytes.len() == N && bytes.iter().zip(lit).all(|(a, b)| a == b)
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
pub(crate) fn attr_num<T: std::str::FromStr>(e: &Tag<'_>, name: &[u8]) -> Option<T> {
    attr_raw(e, name).and_then(num)
}

/// An attribute as a finite float, accepting `,` as the decimal separator.
pub(crate) fn attr_f64(e: &Tag<'_>, name: &[u8]) -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The attributes of `<e ATTRS>` and whether they were well formed.
    fn attrs(content: &str) -> (Vec<(String, String)>, bool) {
        let tag = Tag::new(content.as_bytes());
        let mut it = RawAttrs::of(&tag);
        let got = it
            .by_ref()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        (got, it.well_formed())
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn attributes_are_split_as_written_with_prefixes_dropped_from_keys() {
        assert_eq!(
            attrs("line number=\"1\"\thits = '2' x:branch=\"a>b\" "),
            (
                pairs(&[("number", "1"), ("hits", "2"), ("branch", "a>b")]),
                true
            )
        );
        assert_eq!(attrs("e"), (vec![], true));
        // The first `=` ends the key, spaces before it trimmed (as before the one-pass loop).
        assert_eq!(attrs("e a b=\"1\""), (pairs(&[("a b", "1")]), true));
        // The local name follows the last `:` of the key.
        assert_eq!(
            attrs("e x:y:z=\"3\" p:=\"4\" q:r =\"5\" a:b c=\"6\""),
            (
                pairs(&[("z", "3"), ("", "4"), ("r", "5"), ("b c", "6")]),
                true
            )
        );
    }

    #[test]
    fn malformed_attributes_are_flagged() {
        assert!(!attrs("e a=\"1\"b=\"2\"").1, "missing separator");
        assert!(!attrs("e a=1").1, "unquoted value");
        assert!(!attrs("e a=\"1").1, "unclosed value");
        assert!(!attrs("e a").1, "no value");
        assert!(!attrs("e a=").1, "nothing after =");
    }

    #[test]
    fn names_compare_whole() {
        assert!(is(b"line", b"line"));
        assert!(!is(b"lines", b"line"));
        assert!(!is(b"lin", b"line"));
        assert!(!is(b"Line", b"line"));
    }
}
