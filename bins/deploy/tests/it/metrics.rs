//! `deploy metrics` over a history built by real deploys and rollbacks (nginx, the sample
//! service, a real git repository with commits at chosen dates). Real runs take seconds,
//! not the days a history spans, so once the runs are done each one's recorded times are
//! set to chosen ones (by run id, in the ledger and in history.jsonl): statuses, kinds,
//! commits and whether traffic moved stay what the runs recorded, and every figure can be
//! checked exactly.

use std::path::Path;

use serde_json::{Value, json};
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::Parts;
use slipway_deploy_engine::rollback;
use slipway_deploy_engine::testing::Site;
use slipway_test_support::browser::{self, Picture};
use slipway_test_support::git::TestRepo;
use slipway_test_support::prism::Prism;

use crate::common::deploy;

/// `deploy ARGS` run in `repo` (so `git rev-parse HEAD` is the deployed commit).
fn deploy_in(site: &Site, repo: &TestRepo, version: &str, ok: bool) {
    let out = deploy(site)
        .current_dir(repo.path())
        .args(["--version", version, "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.success(),
        ok,
        "deploy {version}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A real rollback to the previous good version, through the engine.
fn roll_back(site: &Site) {
    let env = site.environment();
    let parts = Parts::new(&env).unwrap();
    let run = slipway_deploy_engine::Run::new(
        slipway_kit::Ui::detect().quiet(true),
        Cancel::new(),
        false,
    );
    let request = rollback::Request {
        reason: Some("v4 breaks checkout".into()),
        fast_path: true,
        ..rollback::Request::default()
    };
    let outcome = rollback::rollback(&run, &parts, &request);
    assert_eq!(
        outcome.document.status, "succeeded",
        "{:?}",
        outcome.document.error
    );
}

/// Chosen (start, switched, end) of each run, oldest first, March 2026.
const TIMES: [(&str, Option<&str>, &str); 7] = [
    ("02T10:00", Some("02T10:03"), "02T10:05"),
    ("03T10:00", Some("03T10:03"), "03T10:05"),
    ("04T10:00", None, "04T10:02"),
    ("04T11:00", Some("04T11:00"), "04T11:10"),
    ("05T10:00", Some("05T10:03"), "05T10:05"),
    ("05T12:00", Some("05T12:00"), "05T12:01"),
    ("09T09:00", Some("09T09:03"), "09T09:05"),
];

fn at(s: &str) -> Value {
    json!(format!("2026-03-{s}:00Z"))
}

/// Sets each run's times to [`TIMES`], in the ledger and in history.jsonl.
fn retime(site: &Site) {
    let state = site.path().join("state");
    let archive = std::fs::read_to_string(state.join("history.jsonl")).unwrap();
    let mut lines: Vec<Value> = archive
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), TIMES.len(), "one line per finished run");
    let set = |e: &mut Value, (start, switched, end): (&str, Option<&str>, &str)| {
        assert_eq!(
            e.get("switched_at").is_some(),
            switched.is_some(),
            "traffic moved as recorded: {e}"
        );
        e["started_at"] = at(start);
        e["finished_at"] = at(end);
        if let Some(s) = switched {
            e["switched_at"] = at(s);
        }
    };
    let mut by_id = std::collections::HashMap::new();
    for (e, times) in lines.iter_mut().zip(TIMES) {
        set(e, times);
        by_id.insert(e["id"].as_str().unwrap().to_owned(), times);
    }
    let text = lines.iter().fold(String::new(), |mut text, l| {
        text.push_str(&l.to_string());
        text.push('\n');
        text
    });
    std::fs::write(state.join("history.jsonl"), text).unwrap();
    let mut ledger = site.ledger();
    for e in ledger["history"].as_array_mut().unwrap() {
        let times = by_id[e["id"].as_str().unwrap()];
        set(e, times);
    }
    std::fs::write(state.join("ledger.json"), ledger.to_string()).unwrap();
}

/// The site after the scripted history, and the repository its commits are in.
fn history() -> (Site, TestRepo) {
    let site = Site::local();
    let repo = TestRepo::new();
    repo.commit_at("feat: one", "2026-03-01T10:00:00Z");
    deploy_in(&site, &repo, "v1", true);
    repo.commit_at("feat: two", "2026-03-02T12:00:00Z");
    repo.commit_at("feat: three", "2026-03-03T08:00:00Z");
    deploy_in(&site, &repo, "v2", true);
    deploy_in(&site, &repo, "v3-sick", false);
    repo.commit_at("feat: four", "2026-03-04T09:00:00Z");
    deploy_in(&site, &repo, "v3-badsmoke", false);
    repo.commit_at("fix: five", "2026-03-05T09:00:00Z");
    deploy_in(&site, &repo, "v4", true);
    roll_back(&site);
    assert_eq!(site.serving().as_deref(), Some("v2"));
    repo.commit_at("chore: six", "2026-03-09T09:10:00Z");
    deploy_in(&site, &repo, "v5", true);
    let kinds: Vec<(String, String)> =
        std::fs::read_to_string(site.path().join("state/history.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let e: Value = serde_json::from_str(l).unwrap();
                (
                    e["kind"].as_str().unwrap().to_owned(),
                    e["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
    let expected: Vec<(String, String)> = [
        ("deploy", "succeeded"),
        ("deploy", "succeeded"),
        ("deploy", "rolled-back"),
        ("deploy", "rolled-back"),
        ("deploy", "succeeded"),
        ("rollback", "succeeded"),
        ("deploy", "succeeded"),
    ]
    .iter()
    .map(|(k, s)| ((*k).to_owned(), (*s).to_owned()))
    .collect();
    assert_eq!(kinds, expected);
    retime(&site);
    (site, repo)
}

fn metrics(site: &Site, repo: &Path, args: &[&str]) -> std::process::Output {
    deploy(site)
        .current_dir(repo)
        .arg("metrics")
        .args(args)
        .output()
        .unwrap()
}

fn metrics_json(site: &Site, repo: &Path, args: &[&str]) -> Value {
    let out = metrics(site, repo, &[args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn metrics_of_a_real_history_match_every_figure_exactly() {
    let (site, repo) = history();
    let doc = metrics_json(
        &site,
        repo.path(),
        &["--since", "2026-03-02", "--until", "2026-03-08"],
    );
    assert_eq!(doc["schema"], "slipway.metrics/v1");
    assert_eq!(
        doc["window"],
        json!({"since": "2026-03-02T00:00:00Z", "until": "2026-03-09T00:00:00Z"})
    );
    let e = &doc["environments"][0];
    assert_eq!(e["environment"], "test");
    assert_eq!(e["deployments"], 3, "v1, v2, v4");
    assert_eq!(e["deploy_runs"], 5);
    assert_eq!(
        e["failed_deployments"], 2,
        "v3-badsmoke after its switch, v4 rolled away from"
    );
    assert_eq!(e["change_failure_rate"], 0.5);
    // 600 s (switch to self-rollback) and 6960 s (v4's end to the rollback's end).
    assert_eq!(e["time_to_restore_seconds"]["median"], 3780.0);
    assert_eq!(e["time_to_restore_seconds"]["p90"], 6324.0);
    // v1: its own commit (86700); v2: two and three (79500, 7500); v4: four, which the
    // rolled-back run carried, and five (90300, 3900).
    assert_eq!(e["lead_time_seconds"]["median"], 79_500.0);
    assert_eq!(e["lead_time_seconds"]["p90"], 88_860.0);
    assert_eq!(e["deployment_frequency_per_day"], 3.0 / 7.0);
    assert_eq!(e["deployment_days_per_week"], 3.0);
    assert_eq!(e["success_rate"], 0.6);
    assert_eq!(e["rollback_rate"], 0.6);
    assert_eq!(
        e["levels"],
        json!({"deployment_frequency": "high", "lead_time": "elite",
               "change_failure_rate": "low", "time_to_restore": "high"})
    );
    assert_eq!(e["previous"]["deployments"], 0);
    assert!(e["previous"]["change_failure_rate"].is_null());
    assert_eq!(e["weeks"][0]["week"], "2026-03-02");
    assert_eq!(e["weeks"].as_array().unwrap().len(), 1);
}

#[test]
fn metrics_cut_windows_and_empty_windows_and_every_output() {
    let (site, repo) = history();
    // Ends between v4's deploy (10:05) and its rollback (12:01): the failure is v4's.
    let cut = metrics_json(
        &site,
        repo.path(),
        &[
            "--since",
            "2026-03-05T00:00:00Z",
            "--until",
            "2026-03-05T11:00:00Z",
        ],
    );
    let e = &cut["environments"][0];
    assert_eq!(e["deployments"], 1);
    assert_eq!(e["failed_deployments"], 1);
    assert_eq!(e["change_failure_rate"], 1.0);
    assert_eq!(e["time_to_restore_seconds"]["median"], 6960.0);
    assert_eq!(
        e["lead_time_seconds"]["median"], 47_100.0,
        "(90300 + 3900) / 2"
    );
    // Starts between them: the rollback is in, the failure is not.
    let after = metrics_json(
        &site,
        repo.path(),
        &[
            "--since",
            "2026-03-05T11:00:00Z",
            "--until",
            "2026-03-12T00:00:00Z",
        ],
    );
    let e = &after["environments"][0];
    assert_eq!(e["deployments"], 1, "v5");
    assert_eq!(e["failed_deployments"], 0);
    assert_eq!(e["change_failure_rate"], 0.0);
    assert!(e["time_to_restore_seconds"]["median"].is_null());
    assert!(
        e["lead_time_seconds"]["median"].is_null(),
        "six was committed after v5 ended"
    );

    let empty = metrics_json(
        &site,
        repo.path(),
        &["--since", "2026-01-01", "--until", "2026-01-31"],
    );
    let e = &empty["environments"][0];
    assert_eq!(e["deployments"], 0);
    for key in ["change_failure_rate", "success_rate", "rollback_rate"] {
        assert!(e[key].is_null(), "{key}: {}", e[key]);
    }
    for key in ["time_to_restore_seconds", "lead_time_seconds"] {
        assert_eq!(e[key], json!({"median": null, "p90": null}), "{key}");
    }
    assert_eq!(e["deployment_frequency_per_day"], 0.0);
    assert_eq!(
        e["levels"],
        json!({"deployment_frequency": "low", "lead_time": null,
               "change_failure_rate": null, "time_to_restore": null})
    );

    // Terminal table, step summary, Prometheus text, JSON file, HTML page in one run.
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let out = deploy(&site)
        .current_dir(repo.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", dir.path().join("output"))
        .args(["metrics", "--since", "2026-03-02", "--until", "2026-03-15"])
        .arg("--output")
        .arg(dir.path().join("metrics.json"))
        .arg("--prometheus")
        .arg(dir.path().join("slipway.prom"))
        .arg("--html")
        .arg(dir.path().join("dashboard.html"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.starts_with("Deployment metrics, 2026-03-02 → 2026-03-15\n"),
        "{table}"
    );
    assert!(
        table.contains("change failure rate  40.0 % (2 failed)"),
        "{table}"
    );
    assert!(
        table.contains("time to restore      median 1h03m, p90 1h45m"),
        "{table}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| test | 4 (2 failed) | 40.0 % · low |"),
        "{md}"
    );
    assert!(
        md.contains("x-axis [\"03-02\", \"03-09\"]\n    y-axis \"count\" 0 --> 3\n    bar [3, 1]\n    line [2, 0]"),
        "{md}"
    );
    let prom = std::fs::read_to_string(dir.path().join("slipway.prom")).unwrap();
    for line in [
        "# TYPE slipway_deployments gauge",
        "slipway_deployments{environment=\"test\"} 4",
        "slipway_change_failure_ratio{environment=\"test\"} 0.4",
        "slipway_time_to_restore_seconds{environment=\"test\",quantile=\"0.5\"} 3780",
        "slipway_dora_level{environment=\"test\",key=\"change_failure_rate\",level=\"low\"} 1",
        "slipway_dora_level{environment=\"test\",key=\"change_failure_rate\",level=\"elite\"} 0",
        "slipway_metrics_window_seconds{environment=\"test\"} 1209600",
    ] {
        assert!(
            prom.lines().any(|l| l == line),
            "{line} missing from\n{prom}"
        );
    }
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(written["environments"][0]["deployments"], 4);

    let page = dir.path().join("dashboard.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let offline = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !offline.contains("http://") && !offline.contains("https://"),
        "nothing fetched"
    );
    assert!(!html.contains("<script"), "no script");
    let shot = browser::screenshot(&page, dir.path());
    let picture = Picture::open(&shot);
    assert_eq!((picture.width, picture.height), (1280, 900));
    assert!(picture.drawn > 0.05, "the page is blank: {picture:?}");
    assert!(
        picture.colours > 20,
        "charts and level colours drawn: {picture:?}"
    );
    if let Some(keep) = std::env::var_os("SLIPWAY_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

#[test]
fn metrics_read_history_older_than_the_ledger_from_github_deployments() {
    let prism = Prism::shared();
    let mark = prism.log_mark();
    let site = Site::local();
    let repo = TestRepo::new();
    repo.commit("feat: one");
    deploy_in(&site, &repo, "v1", true);
    // Prism answers with GitHub's documented example: one deployment of ref topic-branch
    // created 2012-07-20T01:19:13Z, its status success at the same time.
    let out = metrics(
        &site,
        repo.path(),
        &["--since", "2012-07-01", "--until", "2012-07-31", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let without: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        without["environments"][0]["deployments"], 0,
        "no token: the ledger only"
    );
    let out = deploy(&site)
        .current_dir(repo.path())
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .args([
            "metrics",
            "--since",
            "2012-07-01",
            "--until",
            "2012-07-31",
            "--json",
            "--verbose",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &doc["environments"][0];
    assert_eq!(e["deployments"], 1, "{err}");
    assert_eq!(e["deploy_runs"], 1);
    assert_eq!(e["success_rate"], 1.0);
    assert_eq!(e["deployment_frequency_per_day"], 1.0 / 31.0);
    assert!(e["lead_time_seconds"]["median"].is_null());
    assert!(
        err.contains("1 runs older than the ledger from GitHub Deployments"),
        "{err}"
    );
    assert!(err.contains("not in this repository"), "{err}");
    // The ledger's own run (seconds ago, maybe in this very second: the regression of a
    // default --until that left it out) is not double counted from GitHub.
    let now = metrics(&site, repo.path(), &["--since", "1d", "--json"]);
    let now: Value = serde_json::from_slice(&now.stdout).unwrap();
    assert_eq!(
        now["environments"][0]["deployments"],
        1,
        "{now}\n{}\n{}",
        std::fs::read_to_string(site.path().join("state/history.jsonl")).unwrap_or_default(),
        site.ledger()
    );
    let violations = prism.violations_since(mark);
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn metrics_with_a_bad_window_is_bad_input_naming_the_flag() {
    let site = Site::local();
    let out = metrics(&site, site.path(), &["--since", "last month"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--since \"last month\""), "{err}");
    let out = metrics(
        &site,
        site.path(),
        &["--since", "2026-03-02", "--until", "2026-03-01"],
    );
    assert_eq!(out.status.code(), Some(2));
}
