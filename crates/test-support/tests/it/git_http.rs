use slipway_test_support::git::TestRepo;
use slipway_test_support::git_http::GitHttpRemote;

#[test]
fn clones_anonymously_and_pushes_only_with_the_required_authorization() {
    let remote = GitHttpRemote::start();
    let url = remote.create_repo("acme/shop");
    remote.require_authorization("basic right");
    let repo = TestRepo::new();
    let first = repo.commit("feat: first");
    repo.run_git(&["remote", "add", "origin", &url]);

    // No header, or the wrong one: 401, nothing lands.
    for header in [None, Some("AUTHORIZATION: basic wrong")] {
        let mut push = repo.git_command();
        if let Some(h) = header {
            push.args(["-c", &format!("http.extraheader={h}")]);
        }
        let out = push
            .args(["push", "origin", "main"])
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{header:?} pushed");
    }
    assert!(remote.requests().iter().any(|r| r.status == 401));
    assert_eq!(remote.run_git("acme/shop", &["branch", "--list"]), "");

    // The right one: a real smart-HTTP push.
    let mut push = repo.git_command();
    let out = push
        .args([
            "-c",
            "http.extraheader=AUTHORIZATION: basic right",
            "push",
            "origin",
            "main",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(remote.run_git("acme/shop", &["rev-parse", "main"]), first);
    let last = remote.requests().last().cloned().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.authorization(), vec!["basic right".to_owned()]);

    // Fetching needs no header.
    let clone = TestRepo::new();
    clone.run_git(&["fetch", "--quiet", &url, "main"]);
    assert_eq!(clone.run_git(&["rev-parse", "FETCH_HEAD"]), first);
}
