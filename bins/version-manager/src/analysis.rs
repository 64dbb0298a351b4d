//! From commits to a decision: which commits count (reverts cancel, merges skip), the bump
//! they imply, the current version and where it came from, and the next version.

use std::collections::BTreeMap;

use semver::Version;

use crate::commit::{Kind, Parsed, TypeRules};
use crate::version::{self, Level, Rules};

/// Counts of what the commits were.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Commits analysed (after the path filter).
    pub total: usize,
    /// Conventional commits.
    pub conventional: usize,
    /// Commits whose messages are not Conventional Commits.
    pub non_conventional: usize,
    /// Merge commits with generated messages (skipped).
    pub merges: usize,
    /// Commits dropped because a revert in the same range undoes them (both are dropped).
    pub reverted: usize,
    /// Conventional commits read leniently (BOM, trailing spaces, odd scopes).
    pub lenient: usize,
    /// Conventional commits by type.
    pub by_type: BTreeMap<String, usize>,
}

/// The commits that count, the level they imply and the counts.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Commits that count, newest first.
    pub commits: Vec<Parsed>,
    /// Non-conventional commits, newest first (for reports).
    pub others: Vec<Parsed>,
    /// The bump level.
    pub level: Level,
    /// Counts.
    pub stats: Stats,
}

/// Classifies commits and computes the level. A revert whose target is in the same range
/// cancels it (neither appears nor bumps); a revert of released work is a patch.
pub fn judge(commits: Vec<Parsed>, types: &TypeRules) -> Verdict {
    let mut stats = Stats {
        total: commits.len(),
        ..Stats::default()
    };
    let reverted: Vec<String> = commits
        .iter()
        .filter_map(|c| c.conventional().and_then(|c| c.reverts.clone()))
        .collect();
    let is_reverted = |id: &str| reverted.iter().any(|r| id.starts_with(r.as_str()));
    let ids: Vec<String> = commits.iter().map(|c| c.raw.id.clone()).collect();
    let reverts_in_range = |c: &Parsed| {
        c.conventional()
            .and_then(|c| c.reverts.as_deref())
            .is_some_and(|r| ids.iter().any(|id| id.starts_with(r)))
    };
    let mut verdict = Verdict::default();
    for c in commits {
        match &c.kind {
            Kind::Merge => stats.merges += 1,
            Kind::Other => {
                stats.non_conventional += 1;
                verdict.others.push(c);
            }
            Kind::Conventional(conv) => {
                stats.conventional += 1;
                if conv.lenient.is_some() {
                    stats.lenient += 1;
                }
                *stats.by_type.entry(conv.kind.clone()).or_default() += 1;
                if is_reverted(&c.raw.id) || reverts_in_range(&c) {
                    stats.reverted += 1;
                    continue;
                }
                verdict.level = verdict.level.max(types.level(conv));
                verdict.commits.push(c);
            }
        }
    }
    verdict.stats = stats;
    verdict
}

/// True when the commits (newest first) hold one that releases under [`judge`]'s rules,
/// reading only as far as it takes: the first releasable commit that no newer revert
/// cancels ends the search. A releasable revert is settled only once its target is known
/// to be outside the commits (then it counts, as a revert of released work) or inside
/// (then both are cancelled). Relies on a revert being newer than what it reverts.
pub fn any_releasable<E>(
    commits: impl IntoIterator<Item = Result<Parsed, E>>,
    types: &TypeRules,
) -> Result<bool, E> {
    // Targets of the reverts seen so far (all newer than the commit at hand).
    let mut reverted: Vec<String> = Vec::new();
    // Targets of releasable reverts whose target has not been met yet.
    let mut pending: Vec<String> = Vec::new();
    for c in commits {
        let c = c?;
        pending.retain(|target| !c.raw.id.starts_with(target.as_str()));
        let Kind::Conventional(conv) = &c.kind else {
            continue;
        };
        let cancelled = reverted
            .iter()
            .any(|target| c.raw.id.starts_with(target.as_str()));
        if let Some(target) = &conv.reverts {
            reverted.push(target.clone());
        }
        if cancelled || types.level(conv) == Level::None {
            continue;
        }
        match &conv.reverts {
            Some(target) => pending.push(target.clone()),
            None => return Ok(true),
        }
    }
    Ok(!pending.is_empty())
}

/// Where the current version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The latest version tag reachable from HEAD.
    Tag,
    /// The primary version file (no tag yet).
    File,
    /// Neither: 0.0.0.
    Default,
}

/// The next version for `level` from `current`; with no tag and no file, the first
/// release is `initial` whatever the level.
pub fn next(
    current: &Version,
    source: Source,
    level: Level,
    channel: Option<&str>,
    rules: Rules,
    initial: &Version,
) -> Option<Version> {
    if source == Source::Default {
        if level == Level::None && channel.is_none() {
            return None;
        }
        let mut v = initial.clone();
        if let Some(ch) = channel {
            v.pre = semver::Prerelease::new(&format!("{ch}.1")).unwrap_or_default();
        }
        return Some(v);
    }
    version::next_version(current, level, channel, rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::{RawCommit, parse};

    fn commit(id: &str, message: &str) -> Parsed {
        parse(RawCommit {
            id: id.repeat(40 / id.len()),
            message: message.to_owned(),
            parents: 1,
            time: 0,
        })
    }

    #[test]
    fn a_revert_in_the_same_range_cancels_the_reverted_feature() {
        let feat = commit("a1", "feat: dark mode");
        let revert = commit(
            "b2",
            &format!(
                "Revert \"feat: dark mode\"\n\nThis reverts commit {}.",
                feat.raw.id
            ),
        );
        let fix = commit("c3", "fix: typo");
        let v = judge(vec![revert, fix, feat], &TypeRules::default());
        assert_eq!(v.level, Level::Patch);
        assert_eq!(v.stats.reverted, 2);
        assert_eq!(v.commits.len(), 1);
    }

    #[test]
    fn a_revert_of_released_work_is_a_patch() {
        let revert = commit(
            "b2",
            "Revert \"feat: dark mode\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.",
        );
        let v = judge(vec![revert], &TypeRules::default());
        assert_eq!(v.level, Level::Patch);
    }

    fn releasable(commits: Vec<Parsed>) -> bool {
        let streamed = any_releasable(
            commits.iter().cloned().map(Ok::<_, ()>),
            &TypeRules::default(),
        )
        .unwrap();
        let judged = judge(commits, &TypeRules::default()).level != Level::None;
        assert_eq!(streamed, judged, "the early answer must agree with judge");
        streamed
    }

    #[test]
    fn the_early_releasable_check_agrees_with_judge_on_reverts() {
        let feat = commit("a1", "feat: dark mode");
        let revert_of = |c: &Parsed, id: &str| {
            commit(
                id,
                &format!(
                    "Revert \"{}\"\n\nThis reverts commit {}.",
                    c.subject(),
                    c.raw.id
                ),
            )
        };
        let revert = revert_of(&feat, "b2");
        let docs = commit("c3", "docs: guide");
        let readme = commit("d4", "Update README");
        // A revert and its target cancel: nothing releases.
        assert!(!releasable(vec![
            revert.clone(),
            docs.clone(),
            feat.clone()
        ]));
        // A revert of released work (target not in range) is a patch.
        assert!(releasable(vec![revert.clone(), docs.clone()]));
        // A revert of a non-conventional commit in range cancels with it.
        assert!(!releasable(vec![revert_of(&readme, "e5"), readme.clone()]));
        // A revert of the revert cancels it, and its target too.
        let again = revert_of(&revert, "f6");
        assert!(!releasable(vec![again, revert, feat.clone()]));
        // A plain fix ends the search at once.
        assert!(releasable(vec![commit("a7", "fix: typo"), feat]));
        assert!(!releasable(vec![docs, readme]));
        assert!(!releasable(Vec::new()));
    }

    #[test]
    fn non_conventional_commits_are_counted_not_fatal() {
        let v = judge(
            vec![commit("a1", "Update README"), commit("b2", "docs: guide")],
            &TypeRules::default(),
        );
        assert_eq!(v.level, Level::None);
        assert_eq!(v.stats.non_conventional, 1);
        assert_eq!(v.stats.conventional, 1);
    }

    #[test]
    fn configured_types_release() {
        let mut overrides = BTreeMap::new();
        overrides.insert("docs".to_owned(), Level::Patch);
        let v = judge(
            vec![commit("a1", "docs: guide")],
            &TypeRules::with_overrides(&overrides),
        );
        assert_eq!(v.level, Level::Patch);
    }

    #[test]
    fn first_release_is_the_initial_version() {
        let initial = Version::new(0, 1, 0);
        let zero = Version::new(0, 0, 0);
        let r = Rules::default();
        assert_eq!(
            next(&zero, Source::Default, Level::Major, None, r, &initial),
            Some(initial.clone())
        );
        assert_eq!(
            next(&zero, Source::Default, Level::None, None, r, &initial),
            None
        );
        assert_eq!(
            next(
                &zero,
                Source::Default,
                Level::Patch,
                Some("rc"),
                r,
                &initial
            )
            .unwrap()
            .to_string(),
            "0.1.0-rc.1"
        );
    }
}
