//! Reading tags and history fast: tags are read once from the refs into a map from commit
//! to versions (annotated tags peeled), then history is walked once from HEAD, stopping at
//! the first commits that carry a version tag. No per-tag revwalk, no per-commit diff
//! (a path filter compares one tree entry id per commit).

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Sort};
use semver::Version;

use crate::commit::RawCommit;

/// Errors reading the repository.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Not inside a git repository.
    #[error("{path} is not inside a git repository")]
    NotARepo {
        /// Where we looked.
        path: PathBuf,
    },
    /// The clone is shallow and no version tag was found in what was fetched.
    #[error(
        "this is a shallow clone: history stops before any version tag, so the version cannot be computed"
    )]
    Shallow,
    /// A ref given on the command line does not resolve.
    #[error("cannot resolve '{spec}': {message}")]
    BadRef {
        /// The ref.
        spec: String,
        /// git's reason.
        message: String,
    },
    /// Any other git error.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

impl From<HistoryError> for slipway_kit::Failure {
    fn from(e: HistoryError) -> Self {
        let help = match &e {
            HistoryError::NotARepo { .. } => "run inside a git checkout",
            HistoryError::Shallow => {
                "fetch the whole history: `actions/checkout` with `fetch-depth: 0`, or `git fetch --unshallow --tags`"
            }
            HistoryError::BadRef { .. } => "pass a tag, branch or commit that exists",
            HistoryError::Git(_) => "check the repository with `git status` and `git fsck`",
        };
        slipway_kit::Failure::bad_input(e.to_string()).help(help)
    }
}

/// A tag whose name is a version under the expected prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTag {
    /// The tag name, e.g. `v1.2.3`.
    pub name: String,
    /// The version it names.
    pub version: Version,
}

/// Which tag names are versions of the target.
#[derive(Debug, Clone)]
pub struct TagMatcher {
    prefixes: Vec<String>,
}

impl TagMatcher {
    /// Tags `PREFIX1.2.3`; for a prefix ending in `v` also without the `v` (`api-1.2.3`,
    /// `1.2.3`), and for an empty prefix also with `v`.
    pub fn new(prefix: &str) -> Self {
        let mut prefixes = vec![prefix.to_owned()];
        if let Some(bare) = prefix.strip_suffix('v') {
            prefixes.push(bare.to_owned());
        } else if prefix.is_empty() {
            prefixes.push("v".to_owned());
        }
        Self { prefixes }
    }

    /// The version a tag name carries, if it is one of ours and valid SemVer.
    pub fn version(&self, name: &str) -> Option<Version> {
        self.prefixes
            .iter()
            .filter_map(|p| name.strip_prefix(p.as_str()))
            .find_map(|rest| {
                if rest.starts_with(|c: char| c.is_ascii_digit()) {
                    Version::parse(rest).ok()
                } else {
                    None
                }
            })
    }

    /// True when the name looks like one of our versions but is not SemVer (`v1.2`, `v1.2.3.4`).
    pub fn looks_like_version(&self, name: &str) -> bool {
        self.prefixes.iter().any(|p| {
            name.strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
    }
}

/// Every version tag, by the commit it points at.
#[derive(Debug, Default)]
pub struct TagIndex {
    by_commit: HashMap<Oid, Vec<VersionTag>>,
    /// Tags that look like versions but are not SemVer: ignored, reported once.
    pub ignored: Vec<String>,
}

impl TagIndex {
    /// Reads `refs/tags/*` once.
    pub fn read(repo: &Repository, matcher: &TagMatcher) -> Result<Self, HistoryError> {
        let mut index = Self::default();
        let odb = repo.odb()?;
        for reference in repo.references_glob("refs/tags/*")? {
            let reference = reference?;
            let Some(name) = reference.name().and_then(|n| n.strip_prefix("refs/tags/")) else {
                continue;
            };
            let Some(version) = matcher.version(name) else {
                if matcher.looks_like_version(name) {
                    index.ignored.push(name.to_owned());
                }
                continue;
            };
            let name = name.to_owned();
            // packed-refs stores the peeled commit of annotated tags; otherwise only an
            // object header is read (no inflating) to tell lightweight tags from annotated.
            let commit = match (reference.target_peel(), reference.target()) {
                (Some(peeled), _) => peeled,
                (None, Some(target)) => match odb.read_header(target) {
                    Ok((_, git2::ObjectType::Commit)) => target,
                    Ok(_) => match reference.peel_to_commit() {
                        Ok(c) => c.id(),
                        Err(_) => continue,
                    },
                    Err(_) => continue,
                },
                (None, None) => continue,
            };
            index
                .by_commit
                .entry(commit)
                .or_default()
                .push(VersionTag { name, version });
        }
        for tags in index.by_commit.values_mut() {
            tags.sort_by(|a, b| b.version.cmp(&a.version));
        }
        Ok(index)
    }

    /// The highest version tag on `commit`.
    pub fn best(&self, commit: Oid) -> Option<&VersionTag> {
        self.by_commit.get(&commit).and_then(|t| t.first())
    }

    /// The tag called `name`, if it is a version tag.
    pub fn find_name(&self, name: &str) -> Option<(Oid, &VersionTag)> {
        self.by_commit
            .iter()
            .find_map(|(oid, tags)| tags.iter().find(|t| t.name == name).map(|t| (*oid, t)))
    }

    /// Number of commits that carry a version tag.
    pub fn len(&self) -> usize {
        self.by_commit.len()
    }

    /// True when no version tag exists.
    pub fn is_empty(&self) -> bool {
        self.by_commit.is_empty()
    }

    /// True when a tag with this exact name exists (any kind of tag).
    pub fn tag_exists(repo: &Repository, name: &str) -> bool {
        repo.find_reference(&format!("refs/tags/{name}")).is_ok()
    }
}

/// Restricts history to commits that change a directory.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    path: Option<PathBuf>,
}

impl PathFilter {
    /// All commits (`None`) or those touching `path`.
    pub fn new(path: Option<&Path>) -> Self {
        Self {
            path: path
                .filter(|p| !p.as_os_str().is_empty() && *p != Path::new("."))
                .map(Path::to_path_buf),
        }
    }

    /// True when `commit` changes something under the path, compared with its first parent
    /// (by the tree entry id: no diff).
    pub fn touches(
        &self,
        repo: &Repository,
        commit: &git2::Commit<'_>,
    ) -> Result<bool, git2::Error> {
        let Some(path) = &self.path else {
            return Ok(true);
        };
        let entry_id = |c: &git2::Commit<'_>| -> Result<Option<Oid>, git2::Error> {
            Ok(c.tree()?.get_path(path).ok().map(|e| e.id()))
        };
        let mine = entry_id(commit)?;
        let parent = match commit.parent(0) {
            Ok(p) => entry_id(&p)?,
            Err(_) => None,
        };
        let _ = repo;
        Ok(mine != parent)
    }
}

/// The commits since the latest version tag reachable from a commit.
#[derive(Debug)]
pub struct Since {
    /// The latest version tag reachable (highest version among the nearest tagged commits).
    pub base: Option<(Oid, VersionTag)>,
    /// Commits after it, newest first (only those the path filter keeps).
    pub commits: Vec<RawCommit>,
    /// Commits walked in total (before the path filter).
    pub walked: usize,
}

fn raw(commit: &git2::Commit<'_>) -> RawCommit {
    RawCommit {
        id: commit.id().to_string(),
        message: String::from_utf8_lossy(commit.message_raw_bytes()).into_owned(),
        parents: commit.parent_count(),
        time: commit.time().seconds(),
    }
}

/// Resolves a revision (`HEAD`, a tag, a branch, a SHA) to a commit.
pub fn resolve(repo: &Repository, spec: &str) -> Result<Oid, HistoryError> {
    repo.revparse_single(spec)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|e| HistoryError::BadRef {
            spec: spec.to_owned(),
            message: e.message().to_owned(),
        })
}

/// The HEAD commit, or `None` in a repository without commits.
pub fn head(repo: &Repository) -> Option<Oid> {
    repo.head().ok()?.peel_to_commit().ok().map(|c| c.id())
}

/// Walks from `from` to the nearest version tags and returns what lies after them.
///
/// One time-ordered walk stops at tagged commits. On linear history what it saw is the
/// answer; when merges were crossed, a second walk hides the tagged commits so commits
/// reachable from a tag through a side branch are not counted twice.
pub fn since_latest_tag(
    repo: &Repository,
    from: Oid,
    tags: &TagIndex,
    filter: &PathFilter,
) -> Result<Since, HistoryError> {
    since_tag_before(repo, from, tags, filter, None)
}

/// Like [`since_latest_tag`], ignoring the tags on `skip` (the release notes of a tag
/// are the commits since the version tag before it).
pub fn since_tag_before(
    repo: &Repository,
    from: Oid,
    tags: &TagIndex,
    filter: &PathFilter,
    skip: Option<Oid>,
) -> Result<Since, HistoryError> {
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut heap: BinaryHeap<(i64, Oid)> = BinaryHeap::new();
    let mut frontier: Vec<Oid> = Vec::new();
    let mut visited: Vec<Oid> = Vec::new();
    let mut merges = false;
    let first = repo.find_commit(from)?;
    heap.push((first.time().seconds(), from));
    seen.insert(from);
    while let Some((_, oid)) = heap.pop() {
        if Some(oid) != skip && tags.best(oid).is_some() {
            frontier.push(oid);
            continue;
        }
        let commit = repo.find_commit(oid)?;
        visited.push(oid);
        if commit.parent_count() > 1 {
            merges = true;
        }
        for parent in commit.parents() {
            if seen.insert(parent.id()) {
                heap.push((parent.time().seconds(), parent.id()));
            }
        }
    }
    if frontier.is_empty() && repo.is_shallow() {
        return Err(HistoryError::Shallow);
    }
    let base = frontier
        .iter()
        .filter_map(|oid| tags.best(*oid).map(|t| (*oid, t.clone())))
        .max_by(|a, b| a.1.version.cmp(&b.1.version));
    let ids: Vec<Oid> = if merges && !frontier.is_empty() {
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        walk.push(from)?;
        for oid in &frontier {
            walk.hide(*oid)?;
        }
        walk.collect::<Result<_, _>>()?
    } else {
        visited
    };
    let walked = ids.len();
    let mut commits = Vec::with_capacity(ids.len());
    for oid in ids {
        let commit = repo.find_commit(oid)?;
        if filter.touches(repo, &commit)? {
            commits.push(raw(&commit));
        }
    }
    Ok(Since {
        base,
        commits,
        walked,
    })
}

/// Commits reachable from a commit, newest first (by commit time, as
/// [`since_latest_tag`] walks), read one at a time: a caller that stops early reads only
/// the commits it looked at. Only commits the path filter keeps are yielded.
pub struct NewestFirst<'r> {
    repo: &'r Repository,
    filter: &'r PathFilter,
    heap: BinaryHeap<(i64, Oid)>,
    seen: HashSet<Oid>,
}

impl<'r> NewestFirst<'r> {
    /// Starts at `from`.
    pub fn new(
        repo: &'r Repository,
        from: Oid,
        filter: &'r PathFilter,
    ) -> Result<Self, HistoryError> {
        let first = repo.find_commit(from)?;
        let mut heap = BinaryHeap::new();
        heap.push((first.time().seconds(), from));
        Ok(Self {
            repo,
            filter,
            heap,
            seen: HashSet::from([from]),
        })
    }

    fn step(&mut self) -> Result<Option<RawCommit>, HistoryError> {
        while let Some((_, oid)) = self.heap.pop() {
            let commit = self.repo.find_commit(oid)?;
            for parent in commit.parents() {
                if self.seen.insert(parent.id()) {
                    self.heap.push((parent.time().seconds(), parent.id()));
                }
            }
            if self.filter.touches(self.repo, &commit)? {
                return Ok(Some(raw(&commit)));
            }
        }
        Ok(None)
    }
}

impl Iterator for NewestFirst<'_> {
    type Item = Result<RawCommit, HistoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step().transpose()
    }
}

/// Commits reachable from `to` and not from `from`, newest first.
pub fn range(
    repo: &Repository,
    from: Option<Oid>,
    to: Oid,
    filter: &PathFilter,
) -> Result<Vec<RawCommit>, HistoryError> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.push(to)?;
    if let Some(from) = from {
        walk.hide(from)?;
    }
    let mut out = Vec::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        if filter.touches(repo, &commit)? {
            out.push(raw(&commit));
        }
    }
    Ok(out)
}

/// A release found in history: its tag (or `None` for unreleased commits) and its commits.
#[derive(Debug)]
pub struct ReleaseCommits {
    /// The tag that closes the release; `None` for commits after the last tag.
    pub tag: Option<VersionTag>,
    /// The tagged commit's time.
    pub time: Option<i64>,
    /// Commits, newest first.
    pub commits: Vec<RawCommit>,
}

/// Every release reachable from `to`, newest first, in one walk: oldest commit first,
/// each commit joins the open release, and a tagged commit closes it (as git-cliff does).
pub fn all_releases(
    repo: &Repository,
    to: Oid,
    tags: &TagIndex,
    filter: &PathFilter,
) -> Result<Vec<ReleaseCommits>, HistoryError> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(to)?;
    let mut releases = Vec::new();
    let mut open: Vec<RawCommit> = Vec::new();
    for oid in walk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        if filter.touches(repo, &commit)? {
            open.push(raw(&commit));
        }
        if let Some(tag) = tags.best(oid) {
            open.reverse();
            releases.push(ReleaseCommits {
                tag: Some(tag.clone()),
                time: Some(commit.time().seconds()),
                commits: std::mem::take(&mut open),
            });
        }
    }
    if !open.is_empty() {
        open.reverse();
        releases.push(ReleaseCommits {
            tag: None,
            time: None,
            commits: open,
        });
    }
    releases.reverse();
    Ok(releases)
}

/// True when tracked files differ from HEAD (staged or not). Untracked files do not count.
pub fn is_dirty(repo: &Repository) -> Result<Vec<String>, HistoryError> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .filter(|s| !s.status().is_empty() && s.status() != git2::Status::CURRENT)
        .filter_map(|s| s.path().map(str::to_owned))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v_prefix_and_bare_tags_are_both_versions() {
        let m = TagMatcher::new("v");
        assert_eq!(m.version("v1.2.3"), Some(Version::new(1, 2, 3)));
        assert_eq!(m.version("1.2.3"), Some(Version::new(1, 2, 3)));
        assert_eq!(m.version("api-v1.2.3"), None);
        assert_eq!(m.version("v1.2"), None);
        assert!(m.looks_like_version("v1.2"));
        assert!(!m.looks_like_version("latest"));
        let m = TagMatcher::new("api-v");
        assert_eq!(m.version("api-v1.2.0"), Some(Version::new(1, 2, 0)));
        assert_eq!(m.version("api-1.2.0"), Some(Version::new(1, 2, 0)));
        assert_eq!(m.version("v1.2.0"), None);
        let m = TagMatcher::new("");
        assert_eq!(m.version("v2.0.0"), Some(Version::new(2, 0, 0)));
    }
}
