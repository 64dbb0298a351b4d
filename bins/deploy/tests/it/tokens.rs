//! Values that go into commands and paths are tokens: a version with a `..` segment, a
//! leading `/` or `-`, or a shell character is refused (exit 2, naming the flag) before
//! anything runs, dry run included. Outside CI the ledger names the local user.

use crate::common::{deploy, deployed, stderr};
use slipway_deploy_engine::testing::Site;

#[test]
fn a_version_with_a_dotdot_segment_is_refused_naming_the_flag_and_nothing_is_rendered() {
    let site = Site::local();
    deployed(&site, "v1");
    let upstream = site.upstream();
    let ledger = site.ledger();
    for version in [
        "../../..",
        "v2/../../etc",
        "/srv/releases",
        "-rf",
        "v2 && reboot",
    ] {
        for dry_run in [true, false] {
            let mut cmd = deploy(&site);
            cmd.arg(format!("--version={version}"));
            if dry_run {
                cmd.arg("--dry-run");
            }
            let out = cmd.output().unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{version}: {err}");
            assert!(err.contains(&format!("--version {version:?}")), "{err}");
            assert!(!err.contains("would run"), "nothing is rendered: {err}");
        }
    }
    assert_eq!(site.upstream(), upstream);
    assert_eq!(site.ledger(), ledger, "the ledger is untouched");
    assert!(!site.locked());
}

#[test]
fn outside_ci_the_ledger_and_the_lock_name_the_git_user() {
    let site = Site::local();
    let gitconfig = site.path().join("gitconfig");
    std::fs::write(&gitconfig, "[user]\n\tname = Ada Lovelace\n").unwrap();
    let out = deploy(&site)
        .env("GIT_CONFIG_GLOBAL", &gitconfig)
        .env("USER", "ada")
        .args(["--version", "v1", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(site.ledger()["history"][0]["actor"], "Ada Lovelace");
    let frozen = deploy(&site)
        .env("GIT_CONFIG_GLOBAL", site.path().join("no-such-gitconfig"))
        .env("USER", "ada")
        .args(["lock", "acquire", "-m", "hands off"])
        .output()
        .unwrap();
    assert!(frozen.status.success(), "{}", stderr(&frozen));
    let refused = deploy(&site).args(["--version", "v2"]).output().unwrap();
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(3), "{err}");
    assert!(err.contains("frozen by a manual freeze by ada"), "{err}");
    assert!(
        err.contains("deploy lock release --environment test"),
        "the help names the real environment: {err}"
    );
}
