use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use slipway_test_support::http;
use slipway_test_support::webhook::{Mode, WebhookSink};

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn records_a_post_and_answers_ok() {
    let sink = WebhookSink::start();
    sink.set_ok_body("{\"ok\":true}");
    let response = http::post_json(
        &sink.url_for("/hooks/slack?x=1"),
        &serde_json::json!({"text": "deployed"}),
    )
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["ok"], true);
    let requests = sink.wait_for_requests(1, TIMEOUT);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path(), "/hooks/slack");
    assert_eq!(requests[0].target, "/hooks/slack?x=1");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].json()["text"], "deployed");
}

#[test]
fn answers_500_then_429_with_retry_after_then_ok_from_a_script() {
    let sink = WebhookSink::start();
    sink.set_script(vec![
        Mode::Status(500),
        Mode::RateLimited {
            retry_after_secs: 7,
        },
    ]);
    let first = http::post_json(&sink.url(), &serde_json::json!({})).unwrap();
    let second = http::post_json(&sink.url(), &serde_json::json!({})).unwrap();
    let third = http::post_json(&sink.url(), &serde_json::json!({})).unwrap();
    assert_eq!(first.status, 500);
    assert_eq!(
        (second.status, second.header("retry-after")),
        (429, Some("7"))
    );
    assert_eq!(third.status, 200);
    sink.set_mode(Mode::Reply {
        status: 404,
        body: "channel_not_found".into(),
    });
    assert_eq!(http::get(&sink.url()).unwrap().status, 404);
    assert_eq!(sink.requests().len(), 4);
}

#[test]
fn hang_mode_never_answers_until_the_sink_is_dropped() {
    let sink = WebhookSink::start();
    sink.set_mode(Mode::Hang);
    let mut stream = TcpStream::connect(("127.0.0.1", sink.port())).unwrap();
    stream
        .write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0_u8; 64];
    let err = stream.read(&mut buf).expect_err("no answer while hanging");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert_eq!(sink.wait_for_requests(1, TIMEOUT)[0].text(), "{}");

    let started = Instant::now();
    drop(sink);
    assert!(started.elapsed() < TIMEOUT);
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(
        stream.read(&mut buf).unwrap_or(0),
        0,
        "connection closed on drop"
    );
}

#[test]
fn keep_alive_and_concurrent_clients_are_all_recorded() {
    let sink = WebhookSink::start();
    let mut stream = TcpStream::connect(("127.0.0.1", sink.port())).unwrap();
    for _ in 0..3 {
        stream
            .write_all(b"POST /k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na")
            .unwrap();
    }
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let url = sink.url_for(&format!("/t{i}"));
            std::thread::spawn(move || {
                http::post_json(&url, &serde_json::json!({"i": i}))
                    .unwrap()
                    .status
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 200);
    }
    let requests = sink.wait_for_requests(11, TIMEOUT);
    assert_eq!(requests.iter().filter(|r| r.path() == "/k").count(), 3);
}

#[test]
fn custom_headers_and_a_closed_connection_can_be_scripted() {
    let sink = WebhookSink::start();
    sink.set_script(vec![
        Mode::Close,
        Mode::Custom {
            status: 403,
            headers: vec![
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), "1700000000".into()),
            ],
            body: r#"{"message":"API rate limit exceeded"}"#.into(),
        },
    ]);
    assert!(http::get(&sink.url()).is_err(), "closed without an answer");
    let limited = http::get(&sink.url()).unwrap();
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("x-ratelimit-reset"), Some("1700000000"));
    assert_eq!(limited.header("content-type"), Some("application/json"));
    assert_eq!(sink.requests().len(), 2);
}
