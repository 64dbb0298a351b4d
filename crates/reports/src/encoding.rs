//! Every parser reads UTF-8; this module turns what tools really write into it. A byte
//! order mark decides first (UTF-8, UTF-16 LE or BE, as XML 1.0 §4.3.3 and Appendix F
//! require of every processor), then the byte pattern of a document that starts with an
//! ASCII character in UTF-16 without a mark (`<` or `{` followed by a zero byte), then
//! the XML declaration's `encoding` (ISO-8859-1 and windows-1252 besides UTF-8). UTF-8
//! input passes through untouched, so the common case costs one branch per buffer.
//!
//! Byte offsets in parse errors count the UTF-8 the parsers saw; [`crate::error::line_col`]
//! reads the file through the same decoder so the line and column it reports are right.

use std::io::{self, BufRead};
use std::path::Path;

use crate::error::ParseError;

/// How the input is turned into UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Already UTF-8 (or ASCII): passed through.
    Utf8,
    /// UTF-16, little-endian when `big_endian` is false.
    Utf16 { big_endian: bool },
    /// ISO-8859-1: each byte is the code point of the same value.
    Latin1,
    /// windows-1252: ISO-8859-1 with printable characters in 0x80–0x9F.
    Windows1252,
}

/// A [`BufRead`] that yields UTF-8 whatever the input's encoding (see the module docs).
pub(crate) struct Decoded<R> {
    inner: R,
    source: Source,
    out: Vec<u8>,
    pos: usize,
    /// Bytes of a UTF-16 code unit or surrogate pair split across two reads.
    carry: Vec<u8>,
}

impl<R: BufRead> Decoded<R> {
    /// Sniffs the start of `inner` and skips any byte order mark; `path` names the file
    /// when its declared encoding is one this crate does not read.
    pub(crate) fn new(mut inner: R, path: &Path) -> Result<Self, ParseError> {
        let head = inner
            .fill_buf()
            .map_err(|e| ParseError::whole(path, format!("cannot read: {e}")))?;
        let (source, bom) = sniff(head).map_err(|m| ParseError::at(path, 0, m))?;
        inner.consume(bom);
        Ok(Self {
            inner,
            source,
            out: Vec::new(),
            pos: 0,
            carry: Vec::new(),
        })
    }

    /// The input itself (past any byte-order mark) when it is UTF-8 already, else `self`.
    pub(crate) fn into_utf8(self) -> Result<R, Self> {
        if self.source == Source::Utf8 {
            Ok(self.inner)
        } else {
            Err(self)
        }
    }

    /// The encoding the input was found in.
    #[cfg(test)]
    pub(crate) fn source(&self) -> Source {
        self.source
    }
}

/// `head`, the first buffer of a file, as UTF-8 without a byte-order mark, for format
/// detection: a character cut off at the end of the buffer is dropped.
pub(crate) fn head_utf8(head: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match sniff(head) {
        Ok((Source::Utf8, bom)) => std::borrow::Cow::Borrowed(&head[bom..]),
        Err(_) => std::borrow::Cow::Borrowed(head),
        Ok((source, bom)) => {
            let mut out = Vec::with_capacity(head.len());
            let mut carry = Vec::new();
            let body = &head[bom..];
            match source {
                // An invalid unit ends the head early; the parser reports it.
                Source::Utf16 { big_endian } => {
                    let _ = utf16(body, big_endian, &mut carry, &mut out);
                }
                Source::Latin1 => single_byte(body, char::from, &mut out),
                Source::Windows1252 => single_byte(body, windows_1252, &mut out),
                Source::Utf8 => {}
            }
            std::borrow::Cow::Owned(out)
        }
    }
}

/// The encoding of a document starting with `head`, and the length of its byte order
/// mark; an error message for a declared encoding that is not read.
fn sniff(head: &[u8]) -> Result<(Source, usize), String> {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => return Ok((Source::Utf8, 3)),
        [0xFF, 0xFE, ..] => return Ok((Source::Utf16 { big_endian: false }, 2)),
        [0xFE, 0xFF, ..] => return Ok((Source::Utf16 { big_endian: true }, 2)),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => {
            return Ok((Source::Utf16 { big_endian: false }, 0));
        }
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => {
            return Ok((Source::Utf16 { big_endian: true }, 0));
        }
        _ => {}
    }
    let Some(declared) = declared_encoding(head) else {
        return Ok((Source::Utf8, 0));
    };
    let source = match declared.to_ascii_lowercase().as_str() {
        // A declaration that says UTF-16 over 8-bit bytes: the bytes decide.
        "utf-8" | "utf8" | "us-ascii" | "ascii" | "utf-16" | "utf-16le" | "utf-16be" => {
            Source::Utf8
        }
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" => Source::Latin1,
        "windows-1252" | "cp1252" => Source::Windows1252,
        other => {
            return Err(format!(
                "encoding {other:?} is not supported (UTF-8, UTF-16, ISO-8859-1 and \
                 windows-1252 are); write the report as UTF-8"
            ));
        }
    };
    Ok((source, 0))
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of `head`.
fn declared_encoding(head: &[u8]) -> Option<String> {
    let decl = head.strip_prefix(b"<?xml")?;
    let end = memchr::memmem::find(&decl[..decl.len().min(1024)], b"?>")?;
    let decl = &decl[..end];
    let at = memchr::memmem::find(decl, b"encoding")?;
    let rest = decl[at + b"encoding".len()..].trim_ascii_start();
    let rest = rest.strip_prefix(b"=")?.trim_ascii_start();
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = &rest[1..];
    let close = memchr::memchr(quote, value)?;
    Some(String::from_utf8_lossy(&value[..close]).into_owned())
}

impl<R: BufRead> io::Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // serde_json reads byte by byte: UTF-8 goes straight to the inner reader.
        if self.source == Source::Utf8 {
            return self.inner.read(buf);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Decoded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.source == Source::Utf8 {
            return self.inner.fill_buf();
        }
        while self.pos >= self.out.len() {
            self.out.clear();
            self.pos = 0;
            let data = self.inner.fill_buf()?;
            if data.is_empty() {
                if !self.carry.is_empty() {
                    return Err(invalid("the file ends inside a UTF-16 character"));
                }
                return Ok(&[]);
            }
            let n = data.len();
            match self.source {
                Source::Utf16 { big_endian } => {
                    utf16(data, big_endian, &mut self.carry, &mut self.out)?;
                }
                Source::Latin1 => single_byte(data, char::from, &mut self.out),
                Source::Windows1252 => single_byte(data, windows_1252, &mut self.out),
                Source::Utf8 => unreachable!("UTF-8 is passed through above"),
            }
            self.inner.consume(n);
        }
        Ok(&self.out[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        if self.source == Source::Utf8 {
            self.inner.consume(amt);
        } else {
            self.pos += amt;
        }
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

/// Appends the UTF-8 of the UTF-16 in `carry` followed by `data` to `out`, keeping an
/// incomplete unit or surrogate pair at the end in `carry` for the next call.
fn utf16(data: &[u8], big_endian: bool, carry: &mut Vec<u8>, out: &mut Vec<u8>) -> io::Result<()> {
    let joined: Vec<u8>;
    let bytes: &[u8] = if carry.is_empty() {
        data
    } else {
        let mut j = std::mem::take(carry);
        j.extend_from_slice(data);
        joined = j;
        &joined
    };
    let unit = |i: usize| {
        let pair = [bytes[i], bytes[i + 1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    };
    out.reserve(bytes.len() / 2 * 3);
    let mut i = 0;
    let mut utf8 = [0u8; 4];
    while i + 1 < bytes.len() {
        let u = unit(i);
        if u < 0x80 {
            out.push(u as u8);
            i += 2;
            continue;
        }
        let c = match u {
            0xD800..=0xDBFF => {
                if i + 3 >= bytes.len() {
                    break;
                }
                let low = unit(i + 2);
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(invalid(
                        "invalid UTF-16: a high surrogate without its low half",
                    ));
                }
                i += 4;
                let c = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                char::from_u32(c).ok_or_else(|| invalid("invalid UTF-16 surrogate pair"))?
            }
            0xDC00..=0xDFFF => {
                return Err(invalid(
                    "invalid UTF-16: a low surrogate without its high half",
                ));
            }
            _ => {
                i += 2;
                char::from_u32(u32::from(u)).ok_or_else(|| invalid("invalid UTF-16 unit"))?
            }
        };
        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    }
    carry.extend_from_slice(&bytes[i..]);
    Ok(())
}

/// Appends the UTF-8 of single-byte text to `out`, each byte mapped by `map`.
fn single_byte(data: &[u8], map: impl Fn(u8) -> char, out: &mut Vec<u8>) {
    out.reserve(data.len() * 2);
    let mut utf8 = [0u8; 4];
    for &b in data {
        if b < 0x80 {
            out.push(b);
        } else {
            out.extend_from_slice(map(b).encode_utf8(&mut utf8).as_bytes());
        }
    }
}

/// windows-1252 as the WHATWG Encoding Standard defines it (the five unassigned bytes map
/// to the C1 control of the same value, as in ISO-8859-1).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn decode(bytes: &[u8]) -> (Source, String) {
        let mut d = Decoded::new(bytes, Path::new("t.xml")).unwrap();
        let source = d.source();
        let mut s = String::new();
        d.read_to_string(&mut s).unwrap();
        (source, s)
    }

    fn utf16_bytes(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if big_endian {
                &[0xFE, 0xFF]
            } else {
                &[0xFF, 0xFE]
            });
        }
        for u in text.encode_utf16() {
            out.extend_from_slice(&if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    const TEXT: &str = "<?xml version=\"1.0\" encoding=\"utf-16\"?><a n=\"é € 𝄞 ✓\"/>";

    #[test]
    fn utf16_with_either_byte_order_mark_or_none_becomes_utf8() {
        for (be, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            let (source, s) = decode(&utf16_bytes(TEXT, be, bom));
            assert_eq!(source, Source::Utf16 { big_endian: be });
            assert_eq!(s, TEXT, "big endian {be}, bom {bom}");
        }
    }

    #[test]
    fn utf16_split_across_reads_inside_a_unit_and_a_surrogate_pair_is_joined() {
        let bytes = utf16_bytes(TEXT, false, true);
        // After the head (sniffed from the first buffer), a reader that hands out one
        // byte at a time splits every unit and pair.
        let reader = (&bytes[..6]).chain(io::BufReader::with_capacity(1, &bytes[6..]));
        let mut d = Decoded::new(reader, Path::new("t.xml")).unwrap();
        let mut s = String::new();
        d.read_to_string(&mut s).unwrap();
        assert_eq!(s, TEXT);
    }

    #[test]
    fn a_lone_surrogate_or_a_truncated_unit_is_an_error_not_garbage() {
        let mut bytes = utf16_bytes("<a>", false, true);
        bytes.extend_from_slice(&0xDC00u16.to_le_bytes());
        let mut d = Decoded::new(bytes.as_slice(), Path::new("t.xml")).unwrap();
        let err = d.read_to_string(&mut String::new()).unwrap_err();
        assert!(err.to_string().contains("low surrogate"), "{err}");

        let mut bytes = utf16_bytes("<a>", false, true);
        bytes.push(b'x');
        let mut d = Decoded::new(bytes.as_slice(), Path::new("t.xml")).unwrap();
        let err = d.read_to_string(&mut String::new()).unwrap_err();
        assert!(err.to_string().contains("ends inside"), "{err}");
    }

    #[test]
    fn declared_latin1_and_windows_1252_become_utf8() {
        let (source, s) = decode(b"<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>");
        assert_eq!(source, Source::Latin1);
        assert!(s.ends_with("<a>café</a>"), "{s}");
        let (source, s) =
            decode(b"<?xml version=\"1.0\" encoding = \"windows-1252\" ?><a>\x80 \x93q\x94</a>");
        assert_eq!(source, Source::Windows1252);
        assert!(s.ends_with("<a>€ “q”</a>"), "{s}");
    }

    #[test]
    fn utf8_passes_through_and_its_byte_order_mark_is_dropped() {
        assert_eq!(
            decode(b"\xEF\xBB\xBF<a/>"),
            (Source::Utf8, "<a/>".to_owned())
        );
        assert_eq!(
            decode(b"{\"a\": 1}"),
            (Source::Utf8, "{\"a\": 1}".to_owned())
        );
        assert_eq!(decode(b""), (Source::Utf8, String::new()));
    }

    #[test]
    fn an_unsupported_declared_encoding_names_the_file_and_the_encoding() {
        let Err(e) = Decoded::new(
            b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>".as_slice(),
            Path::new("r.xml"),
        ) else {
            panic!("Shift_JIS accepted");
        };
        let msg = e.to_string();
        assert!(msg.contains("r.xml") && msg.contains("shift_jis"), "{msg}");
    }
}
