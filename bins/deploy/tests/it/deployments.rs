//! GitHub Deployments mirrored against the Prism emulator (GitHub's own OpenAPI
//! description: a request that breaks the contract gets a 4xx and is listed as a violation).

use slipway_test_support::prism::Prism;

use crate::canary_site::{CanarySite, Front, QUICK, finish};

fn deploy_with_github(site: &CanarySite, prism: &Prism, version: &str) -> std::process::Output {
    let child = site
        .command()
        .args(["--version", version, "--json"])
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "4242")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    finish(child)
}

#[test]
fn deploys_create_github_deployments_with_in_progress_then_success_or_failure() {
    let prism = Prism::shared();
    let mark = prism.log_mark();
    let site = CanarySite::start(Front::Haproxy, "url = \"https://shop.example.com\"", QUICK);
    let ok = deploy_with_github(&site, prism, "v1");
    let err = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{err}");
    assert!(err.contains("GitHub deployment"), "{err}");
    assert!(err.contains("created (deploy v1 to test)"), "{err}");
    assert!(err.contains(": success"), "{err}");
    assert!(!err.contains("could not"), "{err}");

    let failed = deploy_with_github(&site, prism, "v2-errors");
    let err = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{err}");
    assert!(err.contains(": failure"), "{err}");
    assert!(!err.contains("could not"), "{err}");
    let violations = prism.violations_since(mark);
    assert!(violations.is_empty(), "{violations:?}");
}
