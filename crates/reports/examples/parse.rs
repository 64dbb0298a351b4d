//! Parses report files and prints what each holds: `cargo run --release -p
//! slipway-reports --example parse -- FILE...`. Used by benches/quality-gate/run.sh to
//! time the parsers alone.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::ExitCode;

use slipway_reports::{Options, Report, parse_path};

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for arg in std::env::args().skip(1) {
        let started = std::time::Instant::now();
        match parse_path(Path::new(&arg), None, &Options::default()) {
            Ok((kind, report)) => {
                let what = match report {
                    Report::Tests(t) => format!(
                        "{} cases, {} passed, {} failed, {} errors, {} skipped",
                        t.total, t.passed, t.failed, t.errors, t.skipped
                    ),
                    Report::Coverage(c) => format!(
                        "{}/{} lines, {}/{} branches, {} files",
                        c.lines.covered,
                        c.lines.total,
                        c.branches.covered,
                        c.branches.total,
                        c.files.len()
                    ),
                    Report::Security(s) | Report::Secrets(s) => {
                        format!("{:?}, {} duplicates", s.counts, s.duplicates)
                    }
                    Report::Lint(l) => format!("{:?}, score {:?}", l.counts, l.score),
                    Report::Performance(p) => {
                        format!("{} benchmarks, load {:?}", p.benchmarks.len(), p.load)
                    }
                };
                println!(
                    "{arg}: {kind}: {what} ({:.3}s)",
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                eprintln!("{e}");
                status = ExitCode::from(2);
            }
        }
    }
    status
}
