//! Fan-out benchmark: `notify` to every channel type at once (five HTTP webhooks, email
//! through aiosmtpd, MQTT through mosquitto) with one slow receiver, against the slow
//! receiver alone. Concurrent delivery means the whole run takes the slowest channel's
//! time plus a small constant, not the sum of all channels.
//!
//! Run: `cargo bench -p notify --bench fanout` (`SLIPWAY_BENCH_ITERATIONS`, default 7;
//! `SLIPWAY_BENCH_SLOW_MS`, default 1000). Prints medians in milliseconds.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use std::io::BufReader;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use slipway_test_support::http::{read_request, write_response};
use slipway_test_support::mqtt::Mosquitto;
use slipway_test_support::smtp::SmtpServer;
use slipway_test_support::webhook::{Mode, WebhookSink};

/// A receiver that answers 200 after `delay`, a thread per connection; lives until exit.
fn slow_receiver(delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                while let Ok(Some((_, keep_alive))) = read_request(&mut reader) {
                    std::thread::sleep(delay);
                    if write_response(reader.get_mut(), 200, &[], b"ok", keep_alive).is_err()
                        || !keep_alive
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

struct Run {
    wall_ms: f64,
    channel_ms: Vec<(String, f64)>,
}

fn notify(dir: &std::path::Path, env: &[(&str, String)], args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_notify"));
    cmd.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_REF", "refs/heads/main")
        .args(["--event", "deploy", "--status", "success", "--json"])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let output = cmd.output().unwrap();
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["failed"], 0, "{doc}");
    let channel_ms = doc["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["duration_ms"].as_f64().unwrap(),
            )
        })
        .collect();
    Run {
        wall_ms,
        channel_ms,
    }
}

fn main() {
    let iterations: usize = std::env::var("SLIPWAY_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let slow_ms: u64 = std::env::var("SLIPWAY_BENCH_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let sinks: Vec<WebhookSink> = (0..5).map(|_| WebhookSink::start()).collect();
    for s in &sinks {
        s.set_mode(Mode::Ok);
    }
    let smtp = SmtpServer::start();
    let mqtt = Mosquitto::start();
    let slow = slow_receiver(Duration::from_millis(slow_ms));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slipway.toml"),
        format!(
            r#"
[notify]
attempt_timeout = "10s"
[notify.channels.slack]
type = "slack"
url_env = "U0"
[notify.channels.teams]
type = "teams"
url_env = "U1"
[notify.channels.discord]
type = "discord"
url_env = "U2"
[notify.channels.gchat]
type = "google-chat"
url_env = "U3"
[notify.channels.hook]
type = "webhook"
url_env = "U4"
secret_env = "KEY"
[notify.channels.mail]
type = "email"
host = "127.0.0.1"
port = {}
tls = "none"
from = "ci@acme.dev"
to = ["ops@acme.dev"]
[notify.channels.mqtt]
type = "mqtt"
url = "mqtt://127.0.0.1:{}/ci"
[notify.channels.slow]
type = "webhook"
url_env = "SLOW"
"#,
            smtp.port(),
            mqtt.port()
        ),
    )
    .unwrap();
    let mut env: Vec<(&str, String)> = ["U0", "U1", "U2", "U3", "U4"]
        .iter()
        .zip(&sinks)
        .map(|(k, s)| (*k, s.url_for("/hook")))
        .collect();
    env.push(("KEY", "bench".to_owned()));
    env.push(("SLOW", slow));

    // Warm up (page cache, broker and SMTP server first connections).
    notify(dir.path(), &env, &[]);
    let mut alone = Vec::new();
    let mut all = Vec::new();
    let mut sums = Vec::new();
    let mut fast_max = Vec::new();
    for _ in 0..iterations {
        alone.push(notify(dir.path(), &env, &["--to", "slow"]).wall_ms);
        let run = notify(dir.path(), &env, &[]);
        all.push(run.wall_ms);
        sums.push(run.channel_ms.iter().map(|(_, ms)| ms).sum::<f64>());
        fast_max.push(
            run.channel_ms
                .iter()
                .filter(|(n, _)| n != "slow")
                .map(|(_, ms)| *ms)
                .fold(0.0, f64::max),
        );
    }
    let (alone, all, sums, fast_max) = (median(alone), median(all), median(sums), median(fast_max));
    println!(
        "notify fan-out: 8 channels (slack, teams, discord, google-chat, signed webhook, email via aiosmtpd, mqtt via mosquitto, one receiver answering after {slow_ms} ms); {iterations} runs, medians"
    );
    println!("  slow channel alone (process wall time)   {alone:8.1} ms");
    println!("  all 8 channels at once (wall time)       {all:8.1} ms");
    println!(
        "  overhead of the 7 other channels         {:8.1} ms",
        all - alone
    );
    println!("  slowest of the 7 fast channels           {fast_max:8.1} ms");
    println!("  sum of per-channel times (sequential)    {sums:8.1} ms");
}
