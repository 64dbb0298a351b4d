//! Every binary answers `--help` and tells its own version, and a usage error exits 2
//! (DESIGN.md §2).

use std::process::Command;

const BINARIES: [&str; 5] = [
    "version-manager",
    "quality-gate",
    "deploy",
    "rollback",
    "notify",
];

fn run(bin: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin(bin))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn every_binary_answers_help_and_its_own_version() {
    for bin in BINARIES {
        let (code, text) = run(bin, &["--help"]);
        assert_eq!(code, Some(0), "{bin} --help: {text}");
        assert!(text.contains("Usage:"), "{bin} --help: {text}");
        // deploy and rollback take `--version V` for the version to ship, as the seed
        // scripts do; `-V` prints the tool's own version everywhere.
        let (code, text) = run(bin, &["-V"]);
        assert_eq!(code, Some(0), "{bin} -V: {text}");
        assert_eq!(text.trim(), format!("{bin} {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn a_usage_error_exits_two_in_every_binary() {
    for bin in BINARIES {
        let (code, text) = run(bin, &["--no-such-flag"]);
        assert_eq!(code, Some(2), "{bin}: {text}");
        assert!(text.contains("--no-such-flag"), "{bin}: {text}");
    }
}
