//! `changelog`: unreleased notes, ranges, every release, links from the GitHub context.

use crate::common::{TestRepo, json, ok, run, vm};

fn history() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("fix(api): empty cart crashes (#12)");
    repo.commit("Update README");
    repo.tag("v1.0.1");
    repo.commit("feat(ui)!: new layout\n\nBREAKING CHANGE: the sidebar is gone\n\nCloses #30");
    repo.commit("perf: cache prices");
    repo.commit("docs: guide");
    repo.tag("v2.0.0");
    repo.commit("feat: wishlist");
    repo
}

#[test]
fn unreleased_notes_are_titled_with_the_next_version() {
    let repo = history();
    let out = ok(&repo, &["changelog"]);
    let first = out.lines().next().unwrap();
    assert_eq!(first, "## 2.1.0 (2024-01-01)");
    assert!(out.contains("### Features\n\n- wishlist ("), "{out}");
}

#[test]
fn every_release_in_one_walk_newest_first_with_links() {
    let repo = history();
    let (code, out, err) = run(vm(repo.path())
        .args(["changelog", "--all"])
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_SERVER_URL", "https://github.com"));
    assert_eq!(code, 0, "{err}");
    let headings: Vec<&str> = out.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.len(), 4, "{out}");
    assert!(headings[0].starts_with("## Unreleased"));
    assert!(
        headings[1].starts_with(
            "## [2.0.0](https://github.com/acme/shop/compare/v1.0.1...v2.0.0) (2024-01-01)"
        ),
        "{}",
        headings[1]
    );
    assert!(headings[3].starts_with("## 1.0.0"));
    assert!(out.contains("### ⚠ Breaking changes\n\n- **ui:** the sidebar is gone (["));
    assert!(
        out.contains(", closes [#30](https://github.com/acme/shop/issues/30)"),
        "{out}"
    );
    assert!(out.contains(
        "- **api:** empty cart crashes ([#12](https://github.com/acme/shop/issues/12)) (["
    ));
    assert!(
        !out.contains("README"),
        "non-conventional commits stay out of the notes"
    );
    assert!(!out.contains("guide"), "docs do not release");
}

#[test]
fn a_range_between_two_tags() {
    let repo = history();
    let out = ok(&repo, &["changelog", "--from", "v1.0.1", "--to", "v2.0.0"]);
    assert!(out.starts_with("## 2.0.0 (2024-01-01)\n"), "{out}");
    assert!(out.contains("### Performance\n\n- cache prices"));
    assert!(!out.contains("wishlist"));
}

#[test]
fn file_gets_the_notes_prepended_and_dry_run_writes_nothing() {
    let repo = history();
    repo.write_file("CHANGELOG.md", "# Changelog\n\n## 2.0.0\n\nold\n");
    let (code, out, _) =
        run(vm(repo.path()).args(["changelog", "--file", "CHANGELOG.md", "--dry-run"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("## 2.1.0"));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap(),
        "# Changelog\n\n## 2.0.0\n\nold\n"
    );
    let (code, out, _) = run(vm(repo.path()).args(["changelog", "--file", "CHANGELOG.md"]));
    assert_eq!(code, 0);
    assert_eq!(out, "");
    let text = std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap();
    assert!(text.starts_with("# Changelog\n\n## 2.1.0"), "{text}");
    assert!(text.ends_with("## 2.0.0\n\nold\n"));
}

#[test]
fn json_document_carries_the_notes() {
    let repo = history();
    let doc = json(&repo, &["changelog"]);
    assert_eq!(doc["schema"], "slipway.version-manager/v1");
    assert_eq!(doc["next"], "2.1.0");
    assert!(doc["changelog"].as_str().unwrap().contains("wishlist"));
}

#[test]
fn unknown_ref_is_bad_input() {
    let repo = history();
    let (code, _, err) = run(vm(repo.path()).args(["changelog", "--from", "v9.9.9"]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot resolve 'v9.9.9'"), "{err}");
}
