//! The relay in front of Prism: rewrites GitHub's JSON media types in
//! `Accept` to `application/json` (which is all GitHub's description
//! declares) and passes everything else through.

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

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
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the Prism relay on 127.0.0.1");
    let port = listener.local_addr().expect("relay address").port();
    std::thread::Builder::new()
        .name("prism-relay".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ =
                    std::thread::Builder::new().spawn(move || relay_connection(stream, prism_port));
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

fn relay_connection(stream: TcpStream, prism_port: u16) {
    let mut reader = BufReader::new(stream);
    while let Ok(Some((request, keep_alive))) = http::read_request(&mut reader) {
        let headers: Vec<(String, String)> = request
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
            .collect();
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
    use super::rewrite_accept;

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
