//! A tiny blocking HTTP/1.0 client over `std::net` for health checks and router probes:
//! one connection per request, so every probe is a new connection (what a new client
//! sees), and no async runtime. Plain `http://` only; health endpoints are reached on
//! the hosts' internal addresses.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

/// A response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy).
    pub body: String,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not `http://host[:port][/path]`.
    #[error("unsupported URL {0:?} (only http://host[:port]/path)")]
    BadUrl(String),
    /// Connecting, sending or reading failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The answer was not HTTP.
    #[error("malformed response: {0}")]
    Malformed(String),
}

impl HttpError {
    /// A connection reset or abort: what nginx does to idle keep-alive connections during a
    /// reload, worth one retry of an idempotent request.
    pub fn is_reset(&self) -> bool {
        matches!(self, Self::Io(e) if matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof
        ))
    }
}

/// `GET url` with `timeout` for connecting and for the whole exchange.
pub fn get(url: &str, timeout: Duration) -> Result<Response, HttpError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| HttpError::BadUrl(url.to_owned()))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(HttpError::BadUrl(url.to_owned()));
    }
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| HttpError::BadUrl(url.to_owned()))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nUser-Agent: slipway-deploy\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.take(1 << 20).read_to_end(&mut raw)?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> Result<Response, HttpError> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| {
        if raw.is_empty() {
            HttpError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed without a response",
            ))
        } else {
            HttpError::Malformed("no end of headers".into())
        }
    })?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or_else(|| HttpError::Malformed(format!("status line {status_line:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: body.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gets_from_a_loopback_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            assert!(String::from_utf8_lossy(&buf[..n]).starts_with("GET /health HTTP/1.0"));
            s.write_all(
                b"HTTP/1.1 200 OK\r\nX-Slipway-Generation: g7\r\nContent-Length: 2\r\n\r\nok",
            )
            .unwrap();
        });
        let r = get(
            &format!("http://127.0.0.1:{port}/health"),
            Duration::from_secs(2),
        )
        .unwrap();
        server.join().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "ok");
        assert_eq!(r.header("x-slipway-generation"), Some("g7"));
    }

    #[test]
    fn refused_connection_is_an_error_and_https_is_refused() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        assert!(get(&format!("http://127.0.0.1:{port}/"), Duration::from_secs(1)).is_err());
        assert!(matches!(
            get("https://example.com/", Duration::from_secs(1)),
            Err(HttpError::BadUrl(_))
        ));
    }
}
