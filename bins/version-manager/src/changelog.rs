//! Release notes in Markdown: sections for breaking changes, features, fixes, performance
//! and reverts; scopes in bold; links to commits and to `#123` built from the GitHub
//! context; a new release prepended to `CHANGELOG.md` with older entries untouched.

use std::fmt::Write as _;

use crate::commit::Parsed;

/// Where links point: `https://github.com/OWNER/REPO`, or nothing for plain text.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The repository's web address, without a trailing slash.
    pub repo_url: Option<String>,
}

impl Links {
    /// From the GitHub context, else the `origin` remote when it is on github.com.
    pub fn detect(ctx: &slipway_kit::GithubContext, repo: &git2::Repository) -> Self {
        if let Some(url) = ctx.repository_url() {
            return Self {
                repo_url: Some(url),
            };
        }
        let remote = repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().map(str::to_owned));
        Self {
            repo_url: remote.as_deref().and_then(github_url),
        }
    }

    fn commit(&self, id: &str) -> String {
        let short = &id[..id.len().min(7)];
        match &self.repo_url {
            Some(u) => format!("[{short}]({u}/commit/{id})"),
            None => short.to_owned(),
        }
    }

    fn issue(&self, n: u64) -> String {
        match &self.repo_url {
            Some(u) => format!("[#{n}]({u}/issues/{n})"),
            None => format!("#{n}"),
        }
    }
}

/// `https://github.com/o/r` from `git@github.com:o/r.git` or `https://github.com/o/r.git`.
pub fn github_url(remote: &str) -> Option<String> {
    let path = remote
        .strip_prefix("git@github.com:")
        .or_else(|| remote.strip_prefix("https://github.com/"))
        .or_else(|| remote.strip_prefix("ssh://git@github.com/"))?;
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    (path.split('/').count() == 2).then(|| format!("https://github.com/{path}"))
}

/// One release's notes.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    /// Heading text: the version, or `Unreleased`.
    pub title: String,
    /// The tag this release is (for the compare link).
    pub tag: Option<String>,
    /// The previous release's tag (for the compare link).
    pub previous_tag: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Commits that count, newest first.
    pub commits: &'a [Parsed],
}

const SECTIONS: &[(&str, &str)] = &[
    ("feat", "Features"),
    ("fix", "Bug fixes"),
    ("perf", "Performance"),
    ("revert", "Reverts"),
];

/// Renders one release as Markdown (a `## ` heading, then `### ` sections).
pub fn render(release: &Release<'_>, links: &Links, extra_types: &[String]) -> String {
    let mut out = String::new();
    let heading = match (&links.repo_url, &release.tag, &release.previous_tag) {
        (Some(u), Some(tag), Some(prev)) => {
            format!("[{}]({u}/compare/{prev}...{tag})", release.title)
        }
        _ => release.title.clone(),
    };
    let _ = write!(out, "## {heading}");
    if let Some(d) = &release.date {
        let _ = write!(out, " ({d})");
    }
    out.push_str("\n\n");
    let breaking: Vec<&Parsed> = release
        .commits
        .iter()
        .filter(|c| c.conventional().is_some_and(|c| c.breaking))
        .collect();
    let mut any = false;
    if !breaking.is_empty() {
        any = true;
        out.push_str("### ⚠ Breaking changes\n\n");
        for c in &breaking {
            let conv = c.conventional().expect("filtered");
            let text = conv.breaking_note.as_deref().unwrap_or(&conv.summary);
            line(&mut out, c, conv.scope.as_deref(), text, links);
        }
        out.push('\n');
    }
    let mut sections: Vec<(String, String)> = SECTIONS
        .iter()
        .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
        .collect();
    for t in extra_types {
        if !sections.iter().any(|(k, _)| k == t) {
            let mut title = t.clone();
            if let Some(first) = title.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            sections.push((t.clone(), title));
        }
    }
    for (kind, title) in &sections {
        let items: Vec<&Parsed> = release
            .commits
            .iter()
            .filter(|c| c.conventional().is_some_and(|c| &c.kind == kind))
            .collect();
        if items.is_empty() {
            continue;
        }
        any = true;
        let _ = writeln!(out, "### {title}\n");
        for c in items {
            let conv = c.conventional().expect("filtered");
            line(&mut out, c, conv.scope.as_deref(), &conv.summary, links);
        }
        out.push('\n');
    }
    if !any {
        out.push_str("No notable changes.\n\n");
    }
    out
}

fn line(out: &mut String, c: &Parsed, scope: Option<&str>, text: &str, links: &Links) {
    out.push_str("- ");
    if let Some(s) = scope {
        let _ = write!(out, "**{s}:** ");
    }
    out.push_str(&link_refs(text, links));
    let _ = write!(out, " ({})", links.commit(&c.raw.id));
    let conv = c.conventional();
    let in_text = crate::commit::refs_in(text);
    let more: Vec<String> = conv
        .map(|c| c.refs.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !in_text.contains(n))
        .map(|n| links.issue(n))
        .collect();
    if !more.is_empty() {
        let _ = write!(out, ", closes {}", more.join(", "));
    }
    out.push('\n');
}

/// Replaces `#123` in `text` with links.
fn link_refs(text: &str, links: &Links) -> String {
    if links.repo_url.is_none() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    for n in crate::commit::refs_in(text) {
        let needle = format!("#{n}");
        if let Some(at) = rest.find(&needle) {
            out.push_str(&rest[..at]);
            out.push_str(&links.issue(n));
            rest = &rest[at + needle.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// Inserts `section` above the newest release of an existing changelog: after a leading
/// `# ` title and its intro, before the first `## `. Everything else is kept as it was.
pub fn prepend(existing: &str, section: &str) -> String {
    if existing.trim().is_empty() {
        return format!("# Changelog\n\n{section}");
    }
    let mut offset = 0;
    let mut insert_at = None;
    let mut saw_title = false;
    for line in existing.split_inclusive('\n') {
        if line.starts_with("## ") {
            insert_at = Some(offset);
            break;
        }
        if line.starts_with("# ") {
            saw_title = true;
        }
        offset += line.len();
    }
    let at = insert_at.unwrap_or(if saw_title { existing.len() } else { 0 });
    let (head, tail) = existing.split_at(at);
    let mut out = String::with_capacity(existing.len() + section.len() + 2);
    out.push_str(head);
    if !head.is_empty() && !head.ends_with("\n\n") {
        out.push_str(if head.ends_with('\n') { "\n" } else { "\n\n" });
    }
    out.push_str(section);
    out.push_str(tail);
    out
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_default()
}

/// Today, or `SOURCE_DATE_EPOCH` when set (reproducible builds and tests).
pub fn today() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
    date(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::{RawCommit, parse};

    fn c(id: char, message: &str) -> Parsed {
        parse(RawCommit {
            id: std::iter::repeat_n(id, 40).collect(),
            message: message.to_owned(),
            parents: 1,
            time: 0,
        })
    }

    #[test]
    fn sections_bold_scopes_and_links() {
        let commits = vec![
            c(
                'a',
                "feat(api)!: new login\n\nBREAKING CHANGE: tokens expire",
            ),
            c('b', "fix: crash on start (#12)"),
            c('c', "perf(db): faster\n\nCloses #7"),
            c('d', "docs: guide"),
        ];
        let links = Links {
            repo_url: Some("https://github.com/acme/shop".into()),
        };
        let md = render(
            &Release {
                title: "1.3.0".into(),
                tag: Some("v1.3.0".into()),
                previous_tag: Some("v1.2.0".into()),
                date: Some("2024-01-02".into()),
                commits: &commits,
            },
            &links,
            &[],
        );
        assert_eq!(
            md,
            "## [1.3.0](https://github.com/acme/shop/compare/v1.2.0...v1.3.0) (2024-01-02)\n\n\
### ⚠ Breaking changes\n\n\
- **api:** tokens expire ([aaaaaaa](https://github.com/acme/shop/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa))\n\n\
### Features\n\n\
- **api:** new login ([aaaaaaa](https://github.com/acme/shop/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa))\n\n\
### Bug fixes\n\n\
- crash on start ([#12](https://github.com/acme/shop/issues/12)) ([bbbbbbb](https://github.com/acme/shop/commit/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb))\n\n\
### Performance\n\n\
- **db:** faster ([ccccccc](https://github.com/acme/shop/commit/cccccccccccccccccccccccccccccccccccccccc)), closes [#7](https://github.com/acme/shop/issues/7)\n\n"
        );
    }

    #[test]
    fn prepend_keeps_title_and_older_entries() {
        let old = "# Changelog\n\nAll notable changes.\n\n## 1.2.0 (2024-01-01)\n\n- old\n";
        let new = prepend(old, "## 1.3.0\n\n- new\n\n");
        assert_eq!(
            new,
            "# Changelog\n\nAll notable changes.\n\n## 1.3.0\n\n- new\n\n## 1.2.0 (2024-01-01)\n\n- old\n"
        );
        assert_eq!(prepend("", "## 1.0.0\n\n"), "# Changelog\n\n## 1.0.0\n\n");
        assert_eq!(
            prepend("# Changelog\n", "## 1.0.0\n\n"),
            "# Changelog\n\n## 1.0.0\n\n"
        );
    }

    #[test]
    fn github_remote_urls() {
        assert_eq!(
            github_url("git@github.com:acme/shop.git").unwrap(),
            "https://github.com/acme/shop"
        );
        assert_eq!(
            github_url("https://github.com/acme/shop").unwrap(),
            "https://github.com/acme/shop"
        );
        assert_eq!(github_url("/tmp/remote.git"), None);
    }
}
