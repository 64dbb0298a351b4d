//! `release` against the Prism GitHub emulator: every request must pass GitHub's contract.

use slipway_test_support::prism::Prism;

use crate::common::{TestRepo, run, vm};

fn tagged_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("feat(api): orders (#3)");
    repo.tag_annotated("v1.1.0", "v1.1.0");
    repo.write_file("dist/shop-linux.tar.gz", "binary");
    repo.write_file("dist/shop-macos.tar.gz", "binary too");
    repo
}

/// `version-manager --json release --tag v1.1.0 --asset GLOB` against `api` as acme/shop;
/// returns the JSON document after checking the exit code and that no token leaked.
fn release_json(repo: &TestRepo, api: &str, glob: &str) -> serde_json::Value {
    let (code, out, err) = run(vm(repo.path())
        .args(["--json", "release", "--tag", "v1.1.0", "--asset", glob])
        .env("GITHUB_TOKEN", "ghp_test_token")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_REPOSITORY", "acme/shop"));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!err.contains("ghp_test_token"));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn release_creates_or_updates_with_notes_and_assets_within_githubs_contract() {
    let repo = tagged_repo();
    let prism = Prism::shared();
    let mark = prism.log_mark();
    for _ in 0..2 {
        let doc = release_json(&repo, &prism.url(), "dist/*.tar.gz");
        assert_eq!(doc["released"], true);
        assert_eq!(doc["prerelease"], false);
        assert!(doc["changelog"].as_str().unwrap().contains("orders"));
        let names: Vec<&str> = doc["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec![
                "shop-linux.tar.gz",
                "shop-linux.tar.gz.sha256",
                "shop-macos.tar.gz",
                "shop-macos.tar.gz.sha256"
            ]
        );
    }
    assert_eq!(prism.violations_since(mark), Vec::<String>::new());
}

#[test]
fn release_creates_the_release_when_the_tag_has_none_yet_within_githubs_contract() {
    // Prism keeps no state and answers the tag lookup with its documented 200, so the
    // "create" branch is reached by asking Prism for the lookup's other documented
    // answer, 404, with `Prefer: code=404` (added by a relay of this test's own); every
    // request is still validated against GitHub's description.
    let repo = tagged_repo();
    let prism = Prism::shared();
    let relay = prism.preferring(&[("GET", "/repos/acme/shop/releases/tags/", "code=404")]);
    let mark = prism.log_mark();
    let doc = release_json(&repo, &relay.url(), "dist/shop-linux.tar.gz");
    assert_eq!(doc["released"], true);
    let actions: Vec<&str> = doc["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["uploaded", "uploaded"]);
    let calls: Vec<(String, String, u16)> = relay
        .requests()
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.target.split('?').next().unwrap().to_owned(),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        calls[..2],
        [
            (
                "GET".to_owned(),
                "/repos/acme/shop/releases/tags/v1.1.0".to_owned(),
                404
            ),
            (
                "POST".to_owned(),
                "/repos/acme/shop/releases".to_owned(),
                201
            ),
        ],
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|(m, _, _)| m == "PATCH"),
        "a new release must not be updated: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|(m, p, s)| m == "POST" && p.ends_with("/assets") && *s == 201),
        "{calls:?}"
    );
    assert_eq!(prism.violations_since(mark), Vec::<String>::new());
}

#[test]
fn a_prerelease_tag_is_released_as_prerelease() {
    let repo = tagged_repo();
    repo.commit("fix: x");
    repo.tag("v1.1.1-rc.1");
    let prism = Prism::shared();
    let (code, out, err) = run(vm(repo.path())
        .args(["--json", "release"])
        .env("GITHUB_TOKEN", "ghp_test_token")
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_REPOSITORY", "acme/shop"));
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["tag"], "v1.1.1-rc.1");
    assert_eq!(doc["prerelease"], true);
}

#[test]
fn release_without_a_token_is_bad_input() {
    let repo = tagged_repo();
    let (code, _, err) = run(vm(repo.path())
        .args(["release", "--tag", "v1.1.0", "--repo", "acme/shop"])
        .env("GITHUB_API_URL", "http://127.0.0.1:9"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("GITHUB_TOKEN is not set"), "{err}");
}

#[test]
fn release_dry_run_lists_the_plan_without_network() {
    let repo = tagged_repo();
    let (code, _, err) = run(vm(repo.path()).args([
        "release",
        "--tag",
        "v1.1.0",
        "--repo",
        "acme/shop",
        "--asset",
        "dist/*",
        "--checksums",
        "file",
        "--dry-run",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("would create or update the release v1.1.0 on acme/shop"),
        "{err}"
    );
    assert!(err.contains("would upload checksums.txt"), "{err}");
}

#[test]
fn asset_glob_matching_nothing_fails_before_any_request() {
    let repo = tagged_repo();
    let (code, _, err) = run(vm(repo.path())
        .args([
            "release",
            "--tag",
            "v1.1.0",
            "--repo",
            "acme/shop",
            "--asset",
            "build/*.zip",
        ])
        .env("GITHUB_TOKEN", "x")
        .env("GITHUB_API_URL", "http://127.0.0.1:9"));
    assert_eq!(code, 2);
    assert!(err.contains("matches no file"), "{err}");
}

#[test]
fn unknown_tag_is_bad_input() {
    let repo = tagged_repo();
    let (code, _, err) =
        run(vm(repo.path()).args(["release", "--tag", "v7.0.0", "--repo", "acme/shop"]));
    assert_eq!(code, 2);
    assert!(err.contains("v7.0.0 is not a version tag"), "{err}");
}
