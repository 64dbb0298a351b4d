//! What the ledger records of each run: the commit (GITHUB_SHA, else the repository's
//! HEAD), when traffic reached the new version, and the line in `history.jsonl`.

use slipway_deploy_engine::testing::Site;
use slipway_test_support::git::TestRepo;

use crate::common::deploy;

fn archive(site: &Site) -> Vec<serde_json::Value> {
    std::fs::read_to_string(site.path().join("state/history.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn ledger_records_the_commit_from_git_head_when_github_sha_is_unset() {
    let site = Site::local();
    let repo = TestRepo::new();
    let head = repo.commit("feat: first");
    let out = deploy(&site)
        .current_dir(repo.path())
        .args(["--version", "v1", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(site.ledger()["history"][0]["commit"], head.as_str());
    assert_eq!(archive(&site)[0]["commit"], head.as_str());
}

#[test]
fn ledger_records_github_sha_over_the_repository_head() {
    let site = Site::local();
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let out = deploy(&site)
        .current_dir(repo.path())
        .env("GITHUB_SHA", sha)
        .args(["--version", "v1", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(site.ledger()["history"][0]["commit"], sha);
}

#[test]
fn switched_at_is_recorded_only_when_traffic_reached_the_new_version() {
    let site = Site::local();
    for (version, ok) in [("v1", true), ("v2-sick", false), ("v3-badsmoke", false)] {
        let out = deploy(&site)
            .args(["--version", version, "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.success(), ok, "{version}");
    }
    let lines = archive(&site);
    let got: Vec<(&str, &str, bool)> = lines
        .iter()
        .map(|e| {
            (
                e["version"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e.get("switched_at").is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("v1", "succeeded", true),
            ("v2-sick", "rolled-back", false),
            ("v3-badsmoke", "rolled-back", true)
        ],
        "a health check fails before the switch, a smoke test after it"
    );
    assert!(
        site.ledger()["history"][0]["commit"].is_null(),
        "not in a repository"
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
}
