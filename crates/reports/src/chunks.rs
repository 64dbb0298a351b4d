//! The input of the XML and SARIF readers: the file read in chunks into one reused buffer,
//! parsed in place. What a parser could not finish at the end of the buffer (an element
//! or a JSON value cut by the chunk boundary) stays in the buffer and is parsed again with
//! the next chunk behind it; when that unfinished part is larger than half a chunk the
//! buffer doubles, so re-reading a large value costs linear time overall and memory is
//! one chunk plus the largest single value, whatever the file's size.

use std::io::{self, Read};

/// Bytes read from the input at a time.
pub(crate) const CHUNK: usize = 1 << 20;

/// A window over the input that moves forward as the parser consumes it.
pub(crate) struct Chunks<R> {
    input: R,
    /// `buf[start..len]` is read but not consumed; `buf.len()` is the capacity in use.
    buf: Vec<u8>,
    start: usize,
    len: usize,
    /// File offset of `buf[0]`.
    base: u64,
    chunk: usize,
    eof: bool,
}

impl<R: Read> Chunks<R> {
    /// A window over `input`, read `chunk` bytes at a time; empty until [`Chunks::refill`].
    pub(crate) fn new(input: R, chunk: usize) -> Self {
        Self {
            input,
            buf: Vec::new(),
            start: 0,
            len: 0,
            base: 0,
            chunk: chunk.max(1),
            eof: false,
        }
    }

    /// What is read and not consumed yet.
    pub(crate) fn window(&self) -> &[u8] {
        &self.buf[self.start..self.len]
    }

    /// What was consumed and is still in the buffer (until the next refill).
    pub(crate) fn consumed(&self) -> &[u8] {
        &self.buf[..self.start]
    }

    /// The file offset of the buffer's first byte.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    /// The file offset of the window's first byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Whether the input has ended: the window is all that is left of the file.
    pub(crate) fn at_end(&self) -> bool {
        self.eof
    }

    /// Drops the first `n` bytes of the window.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.len);
    }

    /// Reads more input behind the window: up to a chunk, or twice the window when it
    /// holds more than half a chunk (a value larger than the chunks). Does nothing at
    /// the end of the input.
    pub(crate) fn refill(&mut self) -> io::Result<()> {
        if self.eof {
            return Ok(());
        }
        let tail = self.len - self.start;
        if self.start > 0 {
            self.buf.copy_within(self.start..self.len, 0);
            self.base += self.start as u64;
            self.start = 0;
            self.len = tail;
        }
        let want = self.chunk.max(tail.saturating_mul(2)).max(tail + 1);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        while self.len < want {
            match self.input.read(&mut self.buf[self.len..want]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl<R> Chunks<R> {
    /// The input, for a window read with other chunks (tests).
    #[cfg(test)]
    pub(crate) fn into_inner(self) -> R {
        self.input
    }
}
