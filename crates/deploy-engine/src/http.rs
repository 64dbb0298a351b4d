//! The blocking HTTP client of health checks, router probes and analysis: reqwest's
//! blocking client over rustls, `http://` and `https://`, trusting the system's roots
//! (plus an optional `ca_file` of PEM certificates for a private CA). No connection is
//! kept between requests, so every probe is a new connection: what a new client sees,
//! which is what the switch and health measurements need. No proxy from the environment
//! (checks go straight to the hosts' addresses) and no redirect is followed (a redirect
//! is an answer to judge, not to hide). Connecting is bounded by the request's timeout
//! and so is the whole exchange.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use slipway_kit::Failure;

/// Largest body read (1 MiB); the rest is ignored.
const MAX_BODY: u64 = 1 << 20;

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
    /// The URL is not `http://` or `https://` with a host.
    #[error("unsupported URL {0:?} (use http://host[:port]/path or https://…)")]
    BadUrl(String),
    /// The `ca_file` cannot be read or holds no PEM certificate.
    #[error("ca_file {path}: {why}")]
    CaFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// The server's certificate was refused.
    #[error("TLS to {url}: {why}")]
    Tls {
        /// The URL.
        url: String,
        /// Why, in words (an unknown CA names `ca_file`).
        why: String,
    },
    /// Connecting, sending or reading failed, or took longer than the timeout.
    #[error("{url}: {why}")]
    Transport {
        /// The URL.
        url: String,
        /// The cause chain, innermost last.
        why: String,
        /// A connection reset or abort (worth one retry of an idempotent request).
        reset: bool,
    },
}

impl HttpError {
    /// A connection reset or abort: what nginx does to idle keep-alive connections during a
    /// reload, worth one retry of an idempotent request.
    pub fn is_reset(&self) -> bool {
        matches!(self, Self::Transport { reset: true, .. })
    }
}

/// `GET url`, trusting the system roots and `ca_file` when given, with `timeout` for
/// connecting and for the whole exchange.
pub fn get(url: &str, timeout: Duration, ca_file: Option<&str>) -> Result<Response, HttpError> {
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || url.split_once("://").is_none_or(|(_, rest)| {
            rest.is_empty() || rest.starts_with('/') || rest.starts_with(':')
        })
    {
        return Err(HttpError::BadUrl(url.to_owned()));
    }
    let client = client(ca_file)?;
    let response = client
        .get(url)
        .timeout(timeout)
        .send()
        .map_err(|e| classify(url, &e))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut raw = Vec::new();
    response
        .take(MAX_BODY)
        .read_to_end(&mut raw)
        .map_err(|e| transport(url, &e))?;
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&raw).into_owned(),
    })
}

/// Checks a `ca_file` setting at load time: readable, with at least one PEM certificate;
/// `key` names it in the error (exit 2).
pub fn check_ca_file(key: &str, path: &str) -> Result<(), Failure> {
    load_ca(path)
        .map(|_| ())
        .map_err(|e| Failure::bad_input(format!("{key}: {e}")))
}

fn load_ca(path: &str) -> Result<Vec<reqwest::Certificate>, HttpError> {
    let bad = |why: String| HttpError::CaFile {
        path: path.to_owned(),
        why,
    };
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| bad(format!("not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// One client per trust, built once: building one loads the system roots. Timeouts are
/// per request (they bound connecting as well as the whole exchange).
fn client(ca_file: Option<&str>) -> Result<reqwest::blocking::Client, HttpError> {
    type Key = Option<String>;
    static CLIENTS: OnceLock<Mutex<HashMap<Key, reqwest::blocking::Client>>> = OnceLock::new();
    let key = ca_file.map(str::to_owned);
    let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(c) = clients
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
    {
        return Ok(c.clone());
    }
    let mut builder = reqwest::blocking::Client::builder()
        .user_agent("slipway-deploy")
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(None)
        .tls_built_in_webpki_certs(false)
        .tls_built_in_native_certs(true);
    if let Some(path) = ca_file {
        for cert in load_ca(path)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    let built = builder.build().map_err(|e| HttpError::Transport {
        url: String::new(),
        why: format!("cannot build the HTTP client: {}", chain(&e)),
        reset: false,
    })?;
    clients
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(key, built.clone());
    Ok(built)
}

/// Every message of an error's source chain, outermost first, without repeats.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn is_reset_kind(kind: std::io::ErrorKind) -> bool {
    matches!(
        kind,
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof
    )
}

fn transport(url: &str, err: &std::io::Error) -> HttpError {
    HttpError::Transport {
        url: url.to_owned(),
        why: chain(err),
        reset: is_reset_kind(err.kind()),
    }
}

/// Turns a reqwest error into a message a person can act on.
fn classify(url: &str, err: &reqwest::Error) -> HttpError {
    let why = chain(err);
    if let Some(tls) = tls_reason(&why) {
        return HttpError::Tls {
            url: url.to_owned(),
            why: tls,
        };
    }
    let mut reset = why.contains("connection closed before message completed");
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            reset |= is_reset_kind(io.kind());
        }
        source = e.source();
    }
    let why = if err.is_timeout() {
        format!("timed out: {why}")
    } else {
        why
    };
    HttpError::Transport {
        url: url.to_owned(),
        why,
        reset,
    }
}

/// A plain-words reason when `why` (a cause chain) is a certificate problem. rustls names
/// some causes by their variant (`UnknownIssuer`) and others in words (`certificate not
/// valid for name "127.0.0.1"`, `certificate expired: …`), so both forms are matched.
fn tls_reason(why: &str) -> Option<String> {
    let said = |forms: &[&str]| forms.iter().any(|f| why.contains(f));
    if said(&["UnknownIssuer", "unknown issuer"]) {
        Some(format!(
            "the server's certificate is signed by an unknown certificate authority ({why}); \
             trust a private CA with `ca_file`"
        ))
    } else if said(&["NotValidForName", "not valid for name"]) {
        Some(format!(
            "the server's certificate is not valid for this host name ({why})"
        ))
    } else if said(&["Expired", "certificate expired"]) {
        Some(format!("the server's certificate has expired ({why})"))
    } else if why.contains("invalid peer certificate") || why.contains("InvalidCertificate") {
        Some(format!("the server's certificate was refused ({why})"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use super::*;

    #[test]
    fn gets_from_a_loopback_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            assert!(String::from_utf8_lossy(&buf[..n]).starts_with("GET /health HTTP/1.1"));
            s.write_all(
                b"HTTP/1.1 200 OK\r\nX-Slipway-Generation: g7\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
            )
            .unwrap();
        });
        let r = get(
            &format!("http://127.0.0.1:{port}/health"),
            Duration::from_secs(5),
            None,
        )
        .unwrap();
        server.join().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "ok");
        assert_eq!(r.header("X-Slipway-Generation"), Some("g7"));
    }

    #[test]
    fn every_request_is_a_new_connection() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let mut peers = Vec::new();
            for _ in 0..2 {
                let (mut s, peer) = listener.accept().unwrap();
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).unwrap();
                // Keep-alive offered: the client must still not reuse the connection.
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .unwrap();
                peers.push((peer, s));
            }
            peers.len()
        });
        let url = format!("http://127.0.0.1:{port}/");
        for _ in 0..2 {
            assert_eq!(get(&url, Duration::from_secs(5), None).unwrap().status, 200);
        }
        assert_eq!(server.join().unwrap(), 2, "two requests, two connections");
    }

    #[test]
    fn a_refused_connection_and_a_bad_url_are_errors() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = get(
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_secs(2),
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
        for url in ["ftp://example.com/", "https://", "127.0.0.1:80/"] {
            assert!(
                matches!(
                    get(url, Duration::from_secs(1), None),
                    Err(HttpError::BadUrl(_))
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let holder = std::thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_secs(3));
            drop(s);
        });
        let err = get(
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_millis(300),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("timed out"), "{err}");
        holder.join().unwrap();
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_bad_input_naming_the_key() {
        let err = check_ca_file("health.ca_file", "/no/such/ca.pem").unwrap_err();
        assert!(
            err.cause
                .starts_with("health.ca_file: ca_file /no/such/ca.pem: cannot read"),
            "{}",
            err.cause
        );
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = check_ca_file("k", &empty.display().to_string()).unwrap_err();
        assert!(
            err.cause.contains("no PEM certificate") || err.cause.contains("not PEM"),
            "{}",
            err.cause
        );
    }
}
