//! A recording webhook receiver that answers as the test tells it.
//!
//! [`WebhookSink::start`] runs an HTTP/1.1 server in this process on
//! 127.0.0.1 (a thread per connection, keep-alive, Content-Length and chunked
//! bodies, `Expect: 100-continue`). It records every request (method, target,
//! headers, body) before answering, and answers according to the current
//! [`Mode`], or the next entry of a script set with
//! [`WebhookSink::set_script`], so retries can be tested:
//!
//! ```no_run
//! use std::time::Duration;
//! use slipway_test_support::webhook::{Mode, WebhookSink};
//! let sink = WebhookSink::start();
//! sink.set_script(vec![Mode::Status(500), Mode::RateLimited { retry_after_secs: 1 }]);
//! // … the code under test posts to sink.url_for("/hook") and retries …
//! let requests = sink.wait_for_requests(3, Duration::from_secs(10));
//! assert_eq!(requests[2].json()["text"], "deployed");
//! ```
//!
//! Dropping the sink closes every connection (a hanging request then sees
//! its connection closed) and joins every thread.

use std::collections::{HashMap, VecDeque};
use std::io::BufReader;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::http;

/// How the sink answers a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// 200 with the body set by [`WebhookSink::set_ok_body`] (default `ok`).
    Ok,
    /// This status with a short text body.
    Status(u16),
    /// 429 with `Retry-After: retry_after_secs`.
    RateLimited {
        /// The value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Never answers: the connection stays open until the sink is dropped.
    Hang,
    /// This status and body (`Content-Type: application/json` when the body
    /// starts with `{` or `[`, else `text/plain`).
    Reply {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
    },
    /// This status, these headers (e.g. `x-ratelimit-remaining: 0` and
    /// `x-ratelimit-reset`) and this body; `Content-Type` as for `Reply`
    /// unless given.
    Custom {
        /// The status code.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// Closes the connection without answering (the client sees the
    /// connection closed or reset), for retry-on-reset tests.
    Close,
}

/// One request the sink received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `POST`, `GET`, …
    pub method: String,
    /// The path and query as sent (`/hook?x=1`).
    pub target: String,
    /// Headers in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When the request was complete.
    pub received_at: Instant,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

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
            .unwrap_or_else(|e| panic!("webhook body is not JSON ({e}): {}", self.text()))
    }
}

struct State {
    requests: Vec<Request>,
    mode: Mode,
    script: VecDeque<Mode>,
    ok_body: String,
    connections: HashMap<u64, TcpStream>,
    next_connection: u64,
}

struct Shared {
    state: Mutex<State>,
    arrived: Condvar,
    shutdown: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An in-process HTTP server that records requests; stopped on drop.
pub struct WebhookSink {
    shared: Arc<Shared>,
    port: u16,
    acceptor: Option<JoinHandle<()>>,
}

impl WebhookSink {
    /// Starts the sink on a free port of 127.0.0.1 in [`Mode::Ok`].
    pub fn start() -> Self {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("bind the webhook sink on 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                requests: Vec::new(),
                mode: Mode::Ok,
                script: VecDeque::new(),
                ok_body: "ok".to_owned(),
                connections: HashMap::new(),
                next_connection: 0,
            }),
            arrived: Condvar::new(),
            shutdown: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name(format!("webhook-sink-{port}"))
            .spawn(move || accept_loop(&listener, &accept_shared))
            .expect("spawn the webhook sink thread");
        Self {
            shared,
            port,
            acceptor: Some(acceptor),
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT` followed by `path` (which starts with `/`).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    /// Sets the answer for every request once the script is used up.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().mode = mode;
    }

    /// Answers the next requests with these modes, one each, in order; then
    /// falls back to the mode set by [`WebhookSink::set_mode`].
    pub fn set_script(&self, modes: Vec<Mode>) {
        self.shared.lock().script = modes.into();
    }

    /// The body [`Mode::Ok`] answers with (default `ok`).
    pub fn set_ok_body(&self, body: &str) {
        body.clone_into(&mut self.shared.lock().ok_body);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// Forgets the requests received so far.
    pub fn clear(&self) {
        self.shared.lock().requests.clear();
    }

    /// Waits until at least `n` requests have arrived and returns them all.
    /// Panics after `timeout` with what did arrive.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.requests.len() < n {
            let now = Instant::now();
            if now >= deadline {
                let got: Vec<String> = state
                    .requests
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.target))
                    .collect();
                panic!(
                    "webhook sink: expected {n} requests within {timeout:?}, got {}: {got:?}",
                    got.len()
                );
            }
            state = self
                .shared
                .arrived
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.requests.clone()
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop, then close every open connection.
        let _ =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
        for (_, connection) in self.shared.lock().connections.drain() {
            let _ = connection.shutdown(Shutdown::Both);
        }
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = {
            let mut state = shared.lock();
            state.next_connection += 1;
            let id = state.next_connection;
            if let Ok(clone) = stream.try_clone() {
                state.connections.insert(id, clone);
            }
            id
        };
        let worker_shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new().spawn(move || {
            serve_connection(stream, &worker_shared);
            worker_shared.lock().connections.remove(&id);
        });
        if let Ok(handle) = spawned {
            workers.push(handle);
        }
        workers.retain(|w| !w.is_finished());
    }
    for (_, connection) in shared.lock().connections.drain() {
        let _ = connection.shutdown(Shutdown::Both);
    }
    for worker in workers {
        let _ = worker.join();
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    while !shared.shutdown.load(Ordering::SeqCst) {
        let Ok(Some((message, keep_alive))) = http::read_request(&mut reader) else {
            return;
        };
        let mode = {
            let mut state = shared.lock();
            state.requests.push(Request {
                method: message.method,
                target: message.target,
                headers: message.headers,
                body: message.body,
                received_at: Instant::now(),
            });
            shared.arrived.notify_all();
            let mode = state
                .script
                .pop_front()
                .unwrap_or_else(|| state.mode.clone());
            if mode == Mode::Ok {
                Mode::Reply {
                    status: 200,
                    body: state.ok_body.clone(),
                }
            } else {
                mode
            }
        };
        let out = reader.get_mut();
        let written = match mode {
            Mode::Hang => {
                while !shared.shutdown.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
            Mode::RateLimited { retry_after_secs } => http::write_response(
                out,
                429,
                &[
                    ("Retry-After", retry_after_secs.to_string()),
                    ("Content-Type", "text/plain".to_owned()),
                ],
                b"rate limited",
                keep_alive,
            ),
            Mode::Status(status) => http::write_response(
                out,
                status,
                &[("Content-Type", "text/plain".to_owned())],
                http::reason(status).as_bytes(),
                keep_alive,
            ),
            Mode::Close => {
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Mode::Reply { status, body } => {
                let headers = [("Content-Type", content_type_of(&body).to_owned())];
                http::write_response(out, status, &headers, body.as_bytes(), keep_alive)
            }
            Mode::Custom {
                status,
                headers,
                body,
            } => {
                let mut all: Vec<(&str, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.clone()))
                    .collect();
                if !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    all.push(("Content-Type", content_type_of(&body).to_owned()));
                }
                http::write_response(out, status, &all, body.as_bytes(), keep_alive)
            }
            Mode::Ok => unreachable!("Ok is turned into Reply above"),
        };
        if written.is_err() || !keep_alive {
            let _ = out.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// `application/json` for a body that looks like JSON, else `text/plain`.
fn content_type_of(body: &str) -> &'static str {
    if body.starts_with('{') || body.starts_with('[') {
        "application/json"
    } else {
        "text/plain"
    }
}
