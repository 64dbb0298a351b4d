//! A small HTTP/1.1 toolkit over `std::net`: the request parser and response
//! writer the webhook sink and the sample service share, and a blocking client
//! ([`get`], [`request`]) the fixtures use for readiness checks and queries.
//!
//! The client opens one connection per request (`Connection: close`) and has
//! no async runtime, so it is safe to call from `#[tokio::test]` as well.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One HTTP request as received by a server, or one response as received by
/// the client (then `method` is empty and `status` is set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The request method (`GET`, `POST`, …); empty for a response.
    pub method: String,
    /// The request target, path and query (`/hooks/x?y=1`); empty for a response.
    pub target: String,
    /// The response status; 0 for a request.
    pub status: u16,
    /// Headers in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Message {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The path part of the target (without the query).
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// Whether the connection stays open after this request (HTTP/1.1
    /// keep-alive unless `Connection: close`).
    fn keep_alive(&self, version: &str) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(c) if c.contains("close") => false,
            Some(c) if c.contains("keep-alive") => true,
            _ => version != "HTTP/1.0",
        }
    }
}

/// Reads the head (start line and headers) into `message`; returns the start
/// line, or `None` at a clean end of stream.
fn read_head(reader: &mut impl BufRead, message: &mut Message) -> std::io::Result<Option<String>> {
    let mut start = String::new();
    loop {
        start.clear();
        if reader.read_line(&mut start)? == 0 {
            return Ok(None);
        }
        if !start.trim().is_empty() {
            break;
        }
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "end of stream in headers",
            ));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            message
                .headers
                .push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Ok(Some(start.trim_end().to_owned()))
}

/// Reads a body framed by Content-Length or chunked encoding; with neither,
/// `to_eof` decides between reading to the end (responses) or nothing (requests).
fn read_body(
    reader: &mut impl BufRead,
    message: &mut Message,
    to_eof: bool,
) -> std::io::Result<()> {
    let chunked = message
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size_hex, 16).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size")
            })?;
            if size == 0 {
                // trailers until an empty line
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                return Ok(());
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            message.body.extend_from_slice(&chunk);
            let mut crlf = String::new();
            reader.read_line(&mut crlf)?;
        }
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length.parse().map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "bad content-length")
        })?;
        message.body = vec![0; length];
        reader.read_exact(&mut message.body)?;
    } else if to_eof {
        reader.read_to_end(&mut message.body)?;
    }
    Ok(())
}

/// Reads one request from a server connection. Returns the request and
/// whether the connection stays open afterwards, or `None` when the client
/// closed the connection.
pub fn read_request<S: Read + Write>(
    reader: &mut BufReader<S>,
) -> std::io::Result<Option<(Message, bool)>> {
    let mut message = Message {
        method: String::new(),
        target: String::new(),
        status: 0,
        headers: Vec::new(),
        body: Vec::new(),
    };
    let Some(start) = read_head(reader, &mut message)? else {
        return Ok(None);
    };
    let mut parts = start.split_whitespace();
    parts
        .next()
        .unwrap_or_default()
        .clone_into(&mut message.method);
    parts.next().unwrap_or("/").clone_into(&mut message.target);
    let version = parts.next().unwrap_or("HTTP/1.1").to_owned();
    if message
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        // curl and others send the body only after we say so.
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    read_body(reader, &mut message, false)?;
    let keep_alive = message.keep_alive(&version);
    Ok(Some((message, keep_alive)))
}

/// The reason phrase for the status codes the fixtures send.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Writes a complete response with a Content-Length, keeping the connection
/// open or announcing its close.
pub fn write_response(
    out: &mut impl Write,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    keep_alive: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.flush()
}

/// Splits `http://host:port/path` into (`host:port`, `/path`).
fn split_url(url: &str) -> std::io::Result<(String, String)> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("not an http:// URL: {url}"),
        )
    })?;
    let (authority, path) = rest
        .find('/')
        .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    Ok((authority.to_owned(), path.to_owned()))
}

/// Sends one request (`Connection: close`) and reads the whole response.
/// `timeout` bounds connecting and each read and write.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<Message> {
    let (authority, path) = split_url(url)?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&authority)?
        .next()
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("no address for {authority}"),
            )
        })?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut reader = BufReader::new(stream);
    let mut message = Message {
        method: String::new(),
        target: String::new(),
        status: 0,
        headers: Vec::new(),
        body: Vec::new(),
    };
    let start = read_head(&mut reader, &mut message)?.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed before a response",
        )
    })?;
    message.status = start
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad status line: {start}"),
            )
        })?;
    read_body(&mut reader, &mut message, true)?;
    Ok(message)
}

/// `GET url` with a 5 s timeout.
pub fn get(url: &str) -> std::io::Result<Message> {
    request("GET", url, &[], &[], Duration::from_secs(5))
}

/// `POST url` with a JSON body and a 5 s timeout.
pub fn post_json(url: &str, body: &serde_json::Value) -> std::io::Result<Message> {
    let bytes = serde_json::to_vec(body).map_err(std::io::Error::other)?;
    request(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        &bytes,
        Duration::from_secs(5),
    )
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_chunked_request_and_keep_alive() {
        let raw = b"POST /x?a=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET / HTTP/1.0\r\n\r\n";
        let mut reader = BufReader::new(std::io::Cursor::new(raw.to_vec()));
        let (first, keep) = read_request(&mut reader).unwrap().unwrap();
        assert_eq!(
            (
                first.method.as_str(),
                first.path(),
                first.text().as_str(),
                keep
            ),
            ("POST", "/x", "abcde", true)
        );
        let (second, keep) = read_request(&mut reader).unwrap().unwrap();
        assert_eq!((second.method.as_str(), keep), ("GET", false));
        assert!(read_request(&mut reader).unwrap().is_none());
    }

    #[test]
    fn encodes_promql() {
        assert_eq!(encode_query_value("up{job=\"a\"}"), "up%7Bjob%3D%22a%22%7D");
    }
}
