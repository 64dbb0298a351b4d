//! The repository being versioned: config, target package, tags, version files, and the
//! state every command starts from (current version, commits since, next version).

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};
use semver::Version;
use slipway_kit::{Failure, Ui};

use crate::analysis::{self, Source, Verdict};
use crate::commit::{self, TypeRules};
use crate::config::{Target, VersionConfig};
use crate::files::{self, VersionFile};
use crate::history::{self, HistoryError, PathFilter, TagIndex, TagMatcher};
use crate::version::{self, Level, Rules};

/// An opened repository with its settings.
pub struct Project {
    /// The repository.
    pub repo: Repository,
    /// Its working tree.
    pub root: PathBuf,
    /// `[version]`.
    pub config: VersionConfig,
    /// The package worked on.
    pub target: Target,
    /// Tag names that are versions of the target.
    pub matcher: TagMatcher,
    /// Commit filter of the target.
    pub filter: PathFilter,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Where the version stands.
#[derive(Debug, Clone)]
pub struct State {
    /// Current version.
    pub current: Version,
    /// Its tag, when it came from one.
    pub current_tag: Option<String>,
    /// Where it came from.
    pub source: Source,
    /// The file it came from, for `Source::File`; for `Source::Default`, the file that
    /// holds a placeholder (`0.0.0-semantic-release`), if one does.
    pub source_file: Option<PathBuf>,
    /// Commits since, judged.
    pub verdict: Verdict,
    /// Commits walked.
    pub walked: usize,
}

impl Project {
    /// Opens the repository around `dir` and loads `[version]` from `config` (or discovery).
    pub fn open(dir: &Path, config: Option<&Path>, package: Option<&str>) -> Result<Self, Failure> {
        // Objects come from the repository's own packs: skip re-hashing each one on read
        // (libgit2's strict verification costs a SHA-1 per commit over long histories).
        git2::opts::strict_hash_verification(false);
        let repo = Repository::discover(dir).map_err(|_| HistoryError::NotARepo {
            path: dir.to_owned(),
        })?;
        let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
            Failure::bad_input("the repository is bare: no working tree to version")
        })?;
        let file = slipway_config::ConfigFile::discover(config, &root).map_err(Failure::from)?;
        let config: VersionConfig = file.section("version").map_err(Failure::from)?;
        let target = config.target(package)?;
        let matcher = TagMatcher::new(&target.tag_prefix);
        let filter = PathFilter::new(target.path.as_deref());
        Ok(Self {
            repo,
            root,
            config,
            target,
            matcher,
            filter,
        })
    }

    /// Reads the version tags, warning once about tags that look like versions but are not.
    pub fn tags(&self, ui: &Ui) -> Result<TagIndex, Failure> {
        let tags = TagIndex::read(&self.repo, &self.matcher).map_err(Failure::from)?;
        if !tags.ignored.is_empty() {
            let examples: Vec<&str> = tags.ignored.iter().take(3).map(String::as_str).collect();
            ui.warn(&format!(
                "ignored {} tag(s) that are not SemVer: {}{}",
                tags.ignored.len(),
                examples.join(", "),
                if tags.ignored.len() > 3 { ", …" } else { "" }
            ));
        }
        Ok(tags)
    }

    /// The version files of the target.
    pub fn files(&self) -> Result<Vec<VersionFile>, Failure> {
        files::resolve(
            &self.root,
            self.target.files.as_deref(),
            &self.target.detect_in,
        )
        .map_err(Failure::from)
    }

    /// The rules for versions.
    pub fn rules(&self) -> Rules {
        Rules {
            major_zero_breaking_bumps_minor: self.config.major_zero_breaking_bumps_minor,
        }
    }

    /// Type levels with the config's overrides.
    pub fn types(&self) -> TypeRules {
        TypeRules::with_overrides(&self.config.types)
    }

    /// The tag name for a version.
    pub fn tag_name(&self, v: &Version) -> String {
        format!("{}{v}", self.target.tag_prefix)
    }

    /// HEAD, or a bad-input failure in an empty repository.
    pub fn head(&self) -> Result<Oid, Failure> {
        history::head(&self.repo).ok_or_else(|| {
            Failure::bad_input("the repository has no commits yet")
                .help("commit something first: there is no history to version")
        })
    }

    /// The first release, read from as little history as it takes, when only the version
    /// is wanted: with no version tag at all and no version file holding a release, the
    /// answer is `initial_version` (on `channel`) as soon as one releasable commit exists,
    /// so history is read only down to the newest releasable commit instead of all of it.
    /// `None` when this shortcut does not apply or finds nothing releasable (then
    /// [`Project::state`] gives the full answer, counts and warnings).
    pub fn first_release(
        &self,
        tags: &TagIndex,
        channel: Option<&str>,
    ) -> Result<Option<Version>, Failure> {
        if !tags.is_empty() || self.repo.is_shallow() {
            return Ok(None);
        }
        if let Some((_, v)) =
            files::primary_version(&self.root, &self.files()?).map_err(Failure::from)?
        {
            if !version::is_placeholder(&v) {
                return Ok(None);
            }
        }
        let head = self.head()?;
        let found = channel.is_some() || {
            let walk =
                history::NewestFirst::new(&self.repo, head, &self.filter).map_err(Failure::from)?;
            analysis::any_releasable(walk.map(|c| c.map(commit::parse)), &self.types())
                .map_err(Failure::from)?
        };
        if !found {
            return Ok(None);
        }
        let level = if channel.is_some() {
            Level::None
        } else {
            Level::Patch
        };
        Ok(analysis::next(
            &Version::new(0, 0, 0),
            Source::Default,
            level,
            channel,
            self.rules(),
            &self.config.initial_version,
        ))
    }

    /// Current version, commits since it, and their verdict.
    pub fn state(&self, ui: &Ui, tags: &TagIndex) -> Result<State, Failure> {
        let head = self.head()?;
        let since = history::since_latest_tag(&self.repo, head, tags, &self.filter)
            .map_err(Failure::from)?;
        let parsed: Vec<_> = since.commits.into_iter().map(commit::parse).collect();
        let verdict = analysis::judge(parsed, &self.types());
        let lenient: Vec<_> = verdict
            .commits
            .iter()
            .filter_map(|c| {
                c.conventional()
                    .and_then(|v| v.lenient.as_deref())
                    .map(|why| (c, why))
            })
            .collect();
        for (c, why) in lenient.iter().take(3) {
            ui.warn(&format!(
                "commit {} read leniently ({why}): {}",
                c.short_id(),
                c.subject()
            ));
        }
        if lenient.len() > 3 {
            ui.warn(&format!(
                "{} more commit(s) read leniently (byte-order marks, trailing spaces, odd scopes)",
                lenient.len() - 3
            ));
        }
        let (current, current_tag, source, source_file) = match since.base {
            Some((_, tag)) => (tag.version, Some(tag.name), Source::Tag, None),
            None => {
                match files::primary_version(&self.root, &self.files()?).map_err(Failure::from)? {
                    // A placeholder is no release: the first one is `initial_version`.
                    Some((path, v)) if version::is_placeholder(&v) => {
                        (Version::new(0, 0, 0), None, Source::Default, Some(path))
                    }
                    Some((path, v)) => (v, None, Source::File, Some(path)),
                    None => (Version::new(0, 0, 0), None, Source::Default, None),
                }
            }
        };
        Ok(State {
            current,
            current_tag,
            source,
            source_file,
            verdict,
            walked: since.walked,
        })
    }

    /// The channel the next version goes on: `pre` when asked; else, when the current
    /// version is a prerelease and `promote_prereleases` is off and `promote` was not
    /// asked, that prerelease's own channel, so it is never promoted unasked.
    pub fn channel<'a>(
        &self,
        state: &'a State,
        pre: Option<&'a str>,
        promote: bool,
    ) -> Option<&'a str> {
        if pre.is_some() || promote || self.config.promote_prereleases {
            return pre;
        }
        match state.source {
            Source::Default => None,
            Source::Tag | Source::File => version::channel_of(&state.current),
        }
    }

    /// The next version for `state` at `level` (on `channel`).
    pub fn next(&self, state: &State, level: Level, channel: Option<&str>) -> Option<Version> {
        analysis::next(
            &state.current,
            state.source,
            level,
            channel,
            self.rules(),
            &self.config.initial_version,
        )
    }
}
