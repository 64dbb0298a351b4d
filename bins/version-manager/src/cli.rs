//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use slipway_kit::OutputArgs;

use crate::version::Channel;

/// Semantic versions from Conventional Commits: version files, changelog, tags and GitHub releases.
///
/// The current version is the latest SemVer tag reachable from HEAD (`v1.2.3` or `1.2.3`),
/// else the first version file, else 0.0.0. `feat` commits bump minor, `fix` and `perf`
/// patch, `!` or a `BREAKING CHANGE:` footer major (minor while the major is 0).
#[derive(Debug, Parser)]
#[command(name = "version-manager", version, about, long_about)]
pub struct Cli {
    /// Path to slipway.toml (default: ./slipway.toml, then ./.github/slipway.toml).
    #[arg(long, global = true, env = "SLIPWAY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Monorepo package from [version.packages]: its tag prefix, path filter and files.
    #[arg(long, global = true, env = "SLIPWAY_PACKAGE", value_name = "NAME")]
    pub package: Option<String>,
    /// Run in DIR instead of the current directory.
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// `--json` and `--output FILE`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Current version, commits since it grouped by type, the bump they imply and the next version.
    Show(ShowArgs),
    /// Print just the next version; print nothing and exit 1 when nothing is releasable.
    Next(NextArgs),
    /// Write the next version into every version file (no commit, no tag).
    Bump(BumpArgs),
    /// Validate a SemVer version and write it into every version file.
    Set(SetArgs),
    /// Bump files, update the changelog, commit `chore(release): vX.Y.Z`, tag, push: all or nothing.
    PrepareRelease(PrepareArgs),
    /// Release notes as Markdown, on stdout or prepended to a file.
    Changelog(ChangelogArgs),
    /// Create or update the GitHub release of a tag with notes and assets (idempotent).
    Release(ReleaseArgs),
    /// Lint commit messages against Conventional Commits (for pull request checks).
    Verify(VerifyArgs),
    /// Image tags for the current ref: 1.2.3, 1.2, 1, latest on releases; BRANCH-latest, sha-abc1234 on branches.
    Tags(TagsArgs),
}

/// `show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Compute the next version on a prerelease channel.
    #[arg(long, value_enum)]
    pub pre: Option<Channel>,
    /// Promote a current prerelease to its release (`1.3.0-rc.2` to `1.3.0`) even when
    /// `promote_prereleases = false` in [version].
    #[arg(long, conflicts_with = "pre")]
    pub promote: bool,
}

/// `next`.
#[derive(Debug, clap::Args)]
pub struct NextArgs {
    /// Compute the next version on a prerelease channel.
    #[arg(long, value_enum)]
    pub pre: Option<Channel>,
    /// Promote a current prerelease to its release (`1.3.0-rc.2` to `1.3.0`) even when
    /// `promote_prereleases = false` in [version].
    #[arg(long, conflicts_with = "pre")]
    pub promote: bool,
}

/// Bump levels on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BumpKind {
    /// X+1.0.0 (X.Y+1.0 while X is 0, unless configured otherwise).
    Major,
    /// X.Y+1.0
    Minor,
    /// X.Y.Z+1
    Patch,
    /// The next prerelease number (X.Y.Z-rc.N+1).
    Prerelease,
    /// The level the commits since the current version imply.
    Auto,
}

/// `bump`.
#[derive(Debug, clap::Args)]
pub struct BumpArgs {
    /// How far to bump.
    #[arg(value_enum, default_value = "auto")]
    pub kind: BumpKind,
    /// Make it a prerelease on this channel (1.3.0-rc.1, then rc.2).
    #[arg(long, value_enum)]
    pub pre: Option<Channel>,
    /// Promote a current prerelease to its release (`1.3.0-rc.2` to `1.3.0`) even when
    /// `promote_prereleases = false` in [version].
    #[arg(long, conflicts_with = "pre")]
    pub promote: bool,
    /// Print what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `set`.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The version, SemVer (`1.2.3`, `1.3.0-rc.1`; a leading `v` is accepted).
    pub version: String,
    /// Print what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `prepare-release`.
#[derive(Debug, clap::Args)]
pub struct PrepareArgs {
    /// How far to bump (auto: from the commits).
    #[arg(long = "type", value_enum, default_value = "auto")]
    pub kind: BumpKind,
    /// Make it a prerelease on this channel.
    #[arg(long, value_enum)]
    pub pre: Option<Channel>,
    /// Commit the changed files as `chore(release): vX.Y.Z`.
    #[arg(long)]
    pub auto_commit: bool,
    /// Create the annotated tag (implies --auto-commit).
    #[arg(long)]
    pub tag: bool,
    /// Push the branch and the tag atomically (implies --tag).
    #[arg(long)]
    pub push: bool,
    /// Proceed with uncommitted changes to tracked files (they are not committed).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Do not update the changelog file.
    #[arg(long)]
    pub no_changelog: bool,
    /// Promote a current prerelease to its release (`1.3.0-rc.2` to `1.3.0`) even when
    /// `promote_prereleases = false` in [version].
    #[arg(long, conflicts_with = "pre")]
    pub promote: bool,
    /// Print every step and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `changelog`.
#[derive(Debug, clap::Args)]
pub struct ChangelogArgs {
    /// Start after this ref (default: the latest version tag).
    #[arg(long, value_name = "REF")]
    pub from: Option<String>,
    /// End at this ref (default: HEAD).
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// Every release in history, newest first.
    #[arg(long, conflicts_with = "from")]
    pub all: bool,
    /// Prepend the notes to FILE (e.g. CHANGELOG.md) instead of printing them.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// With --file: print what would be written and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// How checksums of assets are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Checksums {
    /// `NAME.sha256` beside each asset.
    PerFile,
    /// One `checksums.txt` (sha256sum format) for all assets.
    File,
    /// No checksums.
    None,
}

/// `release`.
#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    /// The tag (default: the tag on HEAD, else the latest version tag).
    #[arg(long)]
    pub tag: Option<String>,
    /// Files to upload, as globs (repeat the flag).
    #[arg(long = "asset", value_name = "GLOB")]
    pub assets: Vec<String>,
    /// How to publish SHA-256 checksums of the assets.
    #[arg(long, value_enum, default_value = "per-file")]
    pub checksums: Checksums,
    /// Create the release as a draft.
    #[arg(long)]
    pub draft: bool,
    /// OWNER/NAME (default: GITHUB_REPOSITORY, else the origin remote).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// Print what would be sent and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Commits to lint, `A..B` or a single ref meaning `REF..HEAD` (default: the pull
    /// request's commits in Actions, else the commits since the latest version tag).
    pub range: Option<String>,
}

/// `tags`.
#[derive(Debug, clap::Args)]
pub struct TagsArgs {
    /// The ref to tag for (default: GITHUB_REF, else the tag on HEAD, else the branch).
    #[arg(long = "ref", value_name = "REF")]
    pub git_ref: Option<String>,
    /// Prefix each tag with IMAGE: (e.g. ghcr.io/acme/shop).
    #[arg(long)]
    pub image: Option<String>,
}
