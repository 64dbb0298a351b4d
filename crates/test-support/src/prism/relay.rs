//! The relay in front of Prism: rewrites GitHub's JSON media types in
//! `Accept` to `application/json` (which is all GitHub's description
//! declares) and passes everything else through. A relay started with
//! [`Rules`] also adds a `Prefer` header to the requests a rule matches (Prism's
//! own way to choose another documented answer) and records what it relayed.

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// `Prefer` values to add: `(method, path prefix, value)`.
pub(super) type Rules = Arc<Vec<(String, String, String)>>;

/// One request the relay passed on, and Prism's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// The method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The `Prefer` value the relay added, if a rule matched.
    pub prefer: Option<String>,
    /// Prism's status.
    pub status: u16,
}

/// What a relay with rules recorded.
pub(super) type Journal = Arc<Mutex<Vec<Relayed>>>;

/// The `Prefer` value a rule gives `method path`, if any.
fn prefer_for(rules: &[(String, String, String)], method: &str, target: &str) -> Option<String> {
    let path = target.split('?').next().unwrap_or_default();
    rules
        .iter()
        .find(|(m, prefix, _)| m.eq_ignore_ascii_case(method) && path.starts_with(prefix.as_str()))
        .map(|(_, _, value)| value.clone())
}

use crate::http;

/// Headers that belong to one hop and are not forwarded.
const HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
    "host",
    "expect",
    "te",
];

/// Starts the relay to Prism on `prism_port`; returns the relay's port. The
/// relay's threads live as long as the process.
pub(super) fn start(prism_port: u16) -> u16 {
    start_with(prism_port, Rules::default(), None)
}

/// Starts a relay that also applies `rules` and records into `journal`.
pub(super) fn start_with(prism_port: u16, rules: Rules, journal: Option<Journal>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the Prism relay on 127.0.0.1");
    let port = listener.local_addr().expect("relay address").port();
    std::thread::Builder::new()
        .name("prism-relay".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let rules = Arc::clone(&rules);
                let journal = journal.clone();
                let _ = std::thread::Builder::new()
                    .spawn(move || relay_connection(stream, prism_port, &rules, journal.as_ref()));
            }
        })
        .expect("spawn the Prism relay");
    port
}

/// The `Accept` value forwarded for `accept`.
fn rewrite_accept(accept: &str) -> String {
    if accept.contains("vnd.github") && accept.contains("json") {
        "application/json".to_owned()
    } else {
        accept.to_owned()
    }
}

fn relay_connection(
    stream: TcpStream,
    prism_port: u16,
    rules: &[(String, String, String)],
    journal: Option<&Journal>,
) {
    let mut reader = BufReader::new(stream);
    while let Ok(Some((request, keep_alive))) = http::read_request(&mut reader) {
        let prefer = prefer_for(rules, &request.method, &request.target);
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter(|(name, _)| !HOP.contains(&name.to_ascii_lowercase().as_str()))
            .map(|(name, value)| {
                let value = if name.eq_ignore_ascii_case("accept") {
                    rewrite_accept(value)
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .filter(|(name, _)| prefer.is_none() || !name.eq_ignore_ascii_case("prefer"))
            .collect();
        if let Some(value) = &prefer {
            headers.push(("Prefer".to_owned(), value.clone()));
        }
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let url = format!("http://127.0.0.1:{prism_port}{}", request.target);
        let written = match http::request(
            &request.method,
            &url,
            &refs,
            &request.body,
            Duration::from_secs(60),
        ) {
            Ok(response) => {
                if let Some(journal) = journal {
                    journal
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(Relayed {
                            method: request.method.clone(),
                            target: request.target.clone(),
                            prefer: prefer.clone(),
                            status: response.status,
                        });
                }
                let headers: Vec<(&str, String)> = response
                    .headers
                    .iter()
                    .filter(|(name, _)| !HOP.contains(&name.to_ascii_lowercase().as_str()))
                    .map(|(name, value)| (name.as_str(), value.clone()))
                    .collect();
                http::write_response(
                    reader.get_mut(),
                    response.status,
                    &headers,
                    &response.body,
                    keep_alive,
                )
            }
            Err(e) => {
                let body = format!(
                    "slipway-test-support relay: Prism on port {prism_port} did not answer: {e}\n"
                );
                http::write_response(
                    reader.get_mut(),
                    502,
                    &[("Content-Type", "text/plain".to_owned())],
                    body.as_bytes(),
                    keep_alive,
                )
            }
        };
        if written.is_err() || !keep_alive {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{prefer_for, rewrite_accept};

    #[test]
    fn a_rule_matches_its_method_and_path_prefix_only() {
        let rules = vec![(
            "GET".to_owned(),
            "/repos/acme/shop/releases/tags/".to_owned(),
            "code=404".to_owned(),
        )];
        assert_eq!(
            prefer_for(&rules, "GET", "/repos/acme/shop/releases/tags/v1.0.0?x=1").as_deref(),
            Some("code=404")
        );
        assert_eq!(
            prefer_for(&rules, "POST", "/repos/acme/shop/releases"),
            None
        );
        assert_eq!(
            prefer_for(&rules, "GET", "/repos/acme/shop/releases/1"),
            None
        );
    }

    #[test]
    fn github_json_media_types_become_application_json() {
        assert_eq!(
            rewrite_accept("application/vnd.github+json"),
            "application/json"
        );
        assert_eq!(
            rewrite_accept("application/vnd.github.v3+json"),
            "application/json"
        );
        assert_eq!(
            rewrite_accept("application/octet-stream"),
            "application/octet-stream"
        );
    }
}
