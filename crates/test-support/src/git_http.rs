//! A real git remote over HTTP: `git http-backend` behind an in-process server that
//! records every request (and the headers git sent with it) and can require an
//! `Authorization` header, as GitHub does for pushes.
//!
//! [`GitHttpRemote::start`] serves the bare repositories under its own temporary
//! directory at `http://127.0.0.1:PORT/NAME.git` through git's own smart-HTTP CGI
//! program, so clones, fetches and pushes are the real protocol. Pushes are accepted
//! only from a request whose `Authorization` header equals the one given to
//! [`GitHttpRemote::require_authorization`] (else 401, as GitHub answers); without one,
//! pushes are refused like an anonymous push to GitHub.
//!
//! ```no_run
//! use slipway_test_support::git_http::GitHttpRemote;
//! let remote = GitHttpRemote::start();
//! let url = remote.create_repo("acme/shop");
//! remote.require_authorization("basic eC1hY2Nlc3MtdG9rZW46dG9rZW4=");
//! // … push to `url` …
//! let sent: Vec<_> = remote.requests().iter().map(|r| r.authorization()).collect();
//! ```
//!
//! Dropping it stops the server (open keep-alive connections time out on their own).

use std::io::{BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tempfile::TempDir;

use crate::http;
use crate::process::run_checked;

/// An answer: status, headers, body.
type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// One request the remote received.
#[derive(Debug, Clone)]
pub struct GitRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// Path and query, e.g. `/acme/shop.git/info/refs?service=git-receive-pack`.
    pub target: String,
    /// Headers in arrival order, repeated ones included.
    pub headers: Vec<(String, String)>,
    /// The status the remote answered.
    pub status: u16,
}

impl GitRequest {
    /// Every `Authorization` header value of the request, in order (git sends each
    /// `http.extraheader` it collected, so a duplicated token shows as two).
    pub fn authorization(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

struct Shared {
    root: PathBuf,
    requests: Mutex<Vec<GitRequest>>,
    required: Mutex<Option<String>>,
    shutdown: AtomicBool,
}

/// `git http-backend` on a free port of 127.0.0.1; stopped on drop.
pub struct GitHttpRemote {
    dir: TempDir,
    shared: Arc<Shared>,
    port: u16,
    acceptor: Option<JoinHandle<()>>,
}

impl GitHttpRemote {
    /// Starts the server; panics with the install command when `git` is missing.
    pub fn start() -> Self {
        crate::program::require("git");
        let dir = tempfile::Builder::new()
            .prefix("slipway-git-http-")
            .tempdir()
            .expect("create a temporary directory");
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("bind the git HTTP remote on 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            root: dir.path().to_owned(),
            requests: Mutex::new(Vec::new()),
            required: Mutex::new(None),
            shutdown: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name(format!("git-http-{port}"))
            .spawn(move || {
                for stream in listener.incoming() {
                    if accept_shared.shutdown.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&accept_shared);
                    let _ = std::thread::Builder::new()
                        .name("git-http-connection".to_owned())
                        .spawn(move || serve(stream, &shared));
                }
            })
            .expect("spawn the git HTTP remote thread");
        Self {
            dir,
            shared,
            port,
            acceptor: Some(acceptor),
        }
    }

    /// Creates the bare repository `NAME.git` (e.g. `acme/shop`) and returns its URL,
    /// `http://127.0.0.1:PORT/NAME.git`.
    pub fn create_repo(&self, name: &str) -> String {
        let path = self.repo_path(name);
        let mut init = Command::new("git");
        init.args(["init", "--quiet", "--bare", "--initial-branch=main"])
            .arg(&path)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        run_checked("git init --bare", &mut init);
        self.url(name)
    }

    /// `http://127.0.0.1:PORT/NAME.git`.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}.git", self.port)
    }

    /// The bare repository of `NAME` on disk.
    pub fn repo_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.git"))
    }

    /// Runs `git ARGS` in the bare repository `NAME` and returns trimmed stdout.
    pub fn run_git(&self, name: &str, args: &[&str]) -> String {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(self.repo_path(name))
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        run_checked(&format!("git {}", args.join(" ")), &mut command)
            .trim_end()
            .to_owned()
    }

    /// Accepts pushes only with exactly this `Authorization` value among the request's
    /// headers (e.g. `basic BASE64`); other requests that push get 401.
    pub fn require_authorization(&self, value: &str) {
        *self
            .shared
            .required
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(value.to_owned());
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<GitRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The directory holding the bare repositories.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for GitHttpRemote {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        let _ =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Serves one connection until the client closes it (or 30 s of silence).
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    while let Ok(Some((request, keep_alive))) = http::read_request(&mut reader) {
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        let (status, headers, body) = answer(&request, shared);
        shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(GitRequest {
                method: request.method.clone(),
                target: request.target.clone(),
                headers: request.headers.clone(),
                status,
            });
        let refs: Vec<(&str, String)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.clone()))
            .collect();
        if http::write_response(&mut writer, status, &refs, &body, keep_alive).is_err()
            || !keep_alive
        {
            return;
        }
    }
}

/// Checks the authorization of pushes, then lets `git http-backend` answer.
fn answer(request: &http::Message, shared: &Shared) -> Reply {
    let pushing = request.target.contains("git-receive-pack");
    let required = shared
        .required
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let authorized = required.as_deref().is_some_and(|want| {
        request
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("authorization") && v == want)
    });
    if pushing && !authorized {
        return (
            401,
            vec![(
                "WWW-Authenticate".to_owned(),
                "Basic realm=\"slipway-test\"".to_owned(),
            )],
            b"authentication required\n".to_vec(),
        );
    }
    match backend(request, &shared.root, pushing) {
        Ok(reply) => reply,
        Err(e) => (
            500,
            Vec::new(),
            format!("git http-backend: {e}\n").into_bytes(),
        ),
    }
}

/// Runs `git http-backend` as a CGI program for one request.
fn backend(request: &http::Message, root: &Path, authorized_push: bool) -> std::io::Result<Reply> {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let mut command = Command::new("git");
    command
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if authorized_push {
        command.env("REMOTE_USER", "x-access-token");
    }
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(value) = request.header(header) {
            command.env(var, value);
        }
    }
    let mut child = command.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&request.body)?;
    }
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_end(&mut out)?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() && out.is_empty() {
        return Err(std::io::Error::other(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    Ok(parse_cgi(&out))
}

/// Splits CGI output into status, headers and body.
fn parse_cgi(out: &[u8]) -> Reply {
    let (head, body) = match find(out, b"\r\n\r\n") {
        Some(i) => (&out[..i], &out[i + 4..]),
        None => match find(out, b"\n\n") {
            Some(i) => (&out[..i], &out[i + 2..]),
            None => (out, &[][..]),
        },
    };
    let mut status = 200;
    let mut headers = Vec::new();
    for line in String::from_utf8_lossy(head).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            status = value
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(500);
        } else if !name.eq_ignore_ascii_case("content-length") {
            headers.push((name.trim().to_owned(), value.to_owned()));
        }
    }
    (status, headers, body.to_vec())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
