//! `slipway-sample-service`: the small HTTP app Slipway's tests deploy.
//! See `slipway_test_support::sample::server` for what it serves.

use std::io::Write as _;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use slipway_test_support::sample::server::{App, Knobs};

/// A small HTTP service for deploy tests: /, /health, /version, /metrics, /knobs.
#[derive(Parser)]
#[command(name = "slipway-sample-service", disable_version_flag = true)]
struct Args {
    /// Port to listen on.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Version the service reports.
    #[arg(long, default_value = "0.0.0")]
    version: String,
    /// Slot the service reports (blue, green, stable, canary, ...).
    #[arg(long, default_value = "blue")]
    slot: String,
    /// Share of `GET /` requests answered 500 (0.0 to 1.0; 0.05 is every 20th).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Added latency of every `GET /`, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Answer `GET /health` with 503.
    #[arg(long)]
    fail_health: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match TcpListener::bind((args.host.as_str(), args.port)) {
        Ok(listener) => listener,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot listen on {}:{}: {e}",
                args.host,
                args.port
            );
            return ExitCode::from(2);
        }
    };
    let knobs = Knobs {
        error_rate: args.error_rate,
        latency_ms: args.latency_ms,
        fail_health: args.fail_health,
    };
    let _ = writeln!(
        std::io::stdout(),
        "slipway-sample-service {} (slot {}) listening on http://{}:{}",
        args.version,
        args.slot,
        args.host,
        args.port
    );
    Arc::new(App::new(&args.version, &args.slot, knobs)).serve(&listener);
    ExitCode::SUCCESS
}
