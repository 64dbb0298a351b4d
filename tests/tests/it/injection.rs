//! Template injection through action inputs is impossible: a value holding shell syntax
//! reaches the binary as one literal argument, because inputs travel through `env:` and
//! never through `${{ }}` inside `run:`.

use std::path::PathBuf;

use slipway_e2e::chain::{actions_repo, run_act};

const WORKFLOW: &str = r#"name: injection
on: push
permissions: {}
jobs:
  inject:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - name: notify gets the message literally
        uses: ./actions/notify
        with:
          status: failure
          to: https://hooks.example.invalid/incoming
          message: ${{ env.EVIL }}
          dry-run: "true"
          install: path
          binary-dir: ${{ env.SLIPWAY_BIN_DIR }}
      - name: version-manager gets the version literally
        continue-on-error: true
        uses: ./actions/version-manager
        with:
          command: set
          version: ${{ env.EVIL }}
          install: path
          binary-dir: ${{ env.SLIPWAY_BIN_DIR }}
"#;

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("notify")
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn shell_syntax_in_an_input_reaches_the_binary_as_a_literal_string() {
    let marks = tempfile::tempdir().unwrap();
    let pwned = marks.path().join("pwned");
    let pwned2 = marks.path().join("pwned2");
    let evil = format!(
        "\"; touch {}; \"$(touch {})`id`",
        pwned.display(),
        pwned2.display()
    );
    let repo = actions_repo("injection.yml", WORKFLOW).unwrap();
    let (succeeded, log) = run_act(
        repo.path(),
        "injection.yml",
        &[
            ("EVIL", evil.clone()),
            ("SLIPWAY_BIN_DIR", bin_dir().display().to_string()),
        ],
    )
    .unwrap();
    assert!(succeeded, "{log}");
    assert!(
        !pwned.exists() && !pwned2.exists(),
        "an input was executed by a shell:\n{log}"
    );
    let literal_lines = log.lines().filter(|l| l.contains(&evil)).count();
    assert!(
        literal_lines >= 2,
        "both binaries should show the input verbatim (dry-run message, invalid version):\n{log}"
    );
    assert!(
        log.contains("not a valid") || log.contains("invalid"),
        "version-manager rejects it as a version:\n{log}"
    );
}
