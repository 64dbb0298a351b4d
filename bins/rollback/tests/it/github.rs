//! `rollback --list-versions` merges GitHub Deployments (Prism emulator) with the ledger.

use slipway_deploy_engine::testing::Site;
use slipway_test_support::prism::Prism;

use crate::common::{history, rollback};

#[test]
fn list_versions_merges_github_deployments_with_the_ledger() {
    let prism = Prism::shared();
    let mark = prism.log_mark();
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let out = rollback(&site)
        .args(["--list-versions", "--json"])
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["versions"][0]["version"], "v2");
    // Prism answers GitHub's documented example: a deployment the ledger never saw.
    let only = doc["github_only"].as_array().unwrap();
    assert!(!only.is_empty(), "{doc}");
    assert!(only[0]["id"].as_u64().is_some(), "{doc}");
    assert!(prism.violations_since(mark).is_empty());

    let table = rollback(&site)
        .args(["--list-versions"])
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).contains("only on GitHub (deployment "));
}
