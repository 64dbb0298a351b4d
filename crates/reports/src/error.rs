//! The one error every parser returns: which file, where in it, and what was wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// 1-based line and column.
    LineCol(u64, u64),
    /// 0-based byte offset (converted to line:col when the file can be re-read).
    Byte(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::LineCol(l, c) => write!(f, "{l}:{c}"),
            Position::Byte(b) => write!(f, "byte {b}"),
        }
    }
}

/// A report that could not be read or understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The file (or stream name) being parsed.
    pub file: PathBuf,
    /// Where the problem is, when known.
    pub position: Option<Position>,
    /// What was wrong, in one line.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(Position::LineCol(l, c)) => {
                write!(f, "{}:{l}:{c}: {}", self.file.display(), self.message)
            }
            Some(Position::Byte(b)) => {
                write!(f, "{}: at byte {b}: {}", self.file.display(), self.message)
            }
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl ParseError {
    /// An error at a byte offset.
    pub fn at(file: &Path, offset: u64, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            position: Some(Position::Byte(offset)),
            message: message.into(),
        }
    }

    /// An error at a line and column.
    pub fn at_line(file: &Path, line: u64, col: u64, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            position: Some(Position::LineCol(line, col)),
            message: message.into(),
        }
    }

    /// An error about the whole file.
    pub fn whole(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            position: None,
            message: message.into(),
        }
    }

    /// Converts a byte position to line:col by re-reading the file (streaming, error path
    /// only). Leaves the error untouched when the file cannot be read.
    #[must_use]
    pub fn located(mut self) -> Self {
        if let Some(Position::Byte(offset)) = self.position {
            if let Some((line, col)) = line_col(&self.file, offset) {
                self.position = Some(Position::LineCol(line, col));
            }
        }
        self
    }
}

/// Line and column (1-based, column in characters) of `offset`, a byte offset into the
/// UTF-8 text of the file at `path`.
pub fn line_col(path: &Path, offset: u64) -> Option<(u64, u64)> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).ok()?;
    // Offsets count the UTF-8 the parsers read: count through the same decoder.
    let mut reader =
        crate::encoding::Decoded::new(std::io::BufReader::with_capacity(1 << 16, file), path)
            .ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let (mut line, mut col, mut seen) = (1u64, 1u64, 0u64);
    while seen < offset {
        let n = reader.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        let take = usize::try_from((offset - seen).min(n as u64)).ok()?;
        for &b in &buf[..take] {
            if b == b'\n' {
                line += 1;
                col = 1;
            } else if b & 0xC0 != 0x80 {
                col += 1;
            }
        }
        seen += take as u64;
    }
    Some((line, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_offsets_become_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.xml");
        std::fs::write(&p, "ab\ncdé\nxyz").unwrap();
        assert_eq!(line_col(&p, 0), Some((1, 1)));
        assert_eq!(line_col(&p, 4), Some((2, 2)));
        assert_eq!(line_col(&p, 8), Some((3, 1)));
        let e = ParseError::at(&p, 4, "bad").located();
        assert!(e.to_string().ends_with("r.xml:2:2: bad"), "{e}");
    }
}
