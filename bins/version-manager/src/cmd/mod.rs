//! One module per subcommand, and the JSON document they share
//! (`"schema": "slipway.version-manager/v1"`).

mod bump;
mod changelog;
mod next;
mod prepare;
pub mod release;
mod set;
mod show;
pub mod tags;
mod verify;

use std::path::{Path, PathBuf};

use slipway_kit::{Exit, Failure, Ui};

use crate::analysis::{Source, Stats};
use crate::cli::{Cli, Command};
use crate::files::Change;
use crate::project::{Project, State};
use crate::version::Level;

/// The schema of the JSON document.
pub const SCHEMA: &str = "slipway.version-manager/v1";

/// Runs the parsed command line.
pub fn run(cli: &Cli, ui: &Ui) -> anyhow::Result<Exit> {
    let dir = cli.directory.clone().unwrap_or_else(|| PathBuf::from("."));
    let ctx = Ctx { cli, ui, dir: &dir };
    match &cli.command {
        Command::Show(a) => show::run(&ctx, a),
        Command::Next(a) => next::run(&ctx, a),
        Command::Bump(a) => bump::run(&ctx, a),
        Command::Set(a) => set::run(&ctx, a),
        Command::PrepareRelease(a) => prepare::run(&ctx, a),
        Command::Changelog(a) => changelog::run(&ctx, a),
        Command::Release(a) => release::run(&ctx, a),
        Command::Verify(a) => verify::run(&ctx, a),
        Command::Tags(a) => tags::run(&ctx, a),
    }
}

/// What every command gets.
struct Ctx<'a> {
    cli: &'a Cli,
    ui: &'a Ui,
    dir: &'a Path,
}

impl Ctx<'_> {
    fn project(&self) -> Result<Project, Failure> {
        Project::open(
            self.dir,
            self.cli.config.as_deref(),
            self.cli.package.as_deref(),
        )
    }

    /// True when the JSON document or step outputs are wanted (not just the version).
    fn wants_document(&self) -> bool {
        self.cli.output.json
            || self.cli.output.output.is_some()
            || self.ui.step_files().output.is_some()
    }

    /// Writes `--output`/`--json` and the step outputs; returns true when stdout got JSON.
    fn emit(&self, doc: &Document) -> anyhow::Result<bool> {
        let ui = self.ui;
        ui.set_output("current", &doc.current);
        ui.set_output("next", doc.next.as_deref().unwrap_or(""));
        if let Some(v) = doc.version.as_deref() {
            ui.set_output("version", v);
        }
        if let Some(t) = doc.tag.as_deref() {
            ui.set_output("tag", t);
        }
        ui.set_output("bump", doc.bump.as_str());
        ui.set_output("released", if doc.released { "true" } else { "false" });
        if let Some(c) = doc.changelog.as_deref() {
            ui.set_output("changelog", c);
        }
        if !self.cli.output.json && self.cli.output.output.is_none() {
            return Ok(false);
        }
        self.cli.output.emit(ui, doc)
    }
}

/// A file change as reported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileDoc {
    /// Path relative to the repository root.
    pub path: PathBuf,
    /// Version before, as written.
    pub from: String,
    /// Version after, as written.
    pub to: String,
}

impl From<&Change> for FileDoc {
    fn from(c: &Change) -> Self {
        Self {
            path: c.path.clone(),
            from: c.from.clone(),
            to: c.to.clone(),
        }
    }
}

/// A commit as reported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommitDoc {
    /// Full id.
    pub id: String,
    /// First line.
    pub subject: String,
    /// Type, for conventional commits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Breaking.
    pub breaking: bool,
}

/// The JSON document every command writes with `--json` / `--output`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Document {
    /// `slipway.version-manager/v1`.
    pub schema: &'static str,
    /// The command that ran.
    pub command: &'static str,
    /// The monorepo package, if any.
    pub package: Option<String>,
    /// The current version.
    pub current: String,
    /// Its tag, when it came from one.
    pub current_tag: Option<String>,
    /// `tag`, `file` or `default`.
    pub source: Source,
    /// The next version (`null` when nothing is releasable).
    pub next: Option<String>,
    /// The version written, tagged or released by this command.
    pub version: Option<String>,
    /// The tag of `version` (or of `next`).
    pub tag: Option<String>,
    /// The bump level.
    pub bump: Level,
    /// True when a release is due (show, next) or was made (prepare-release, release).
    pub released: bool,
    /// True when nothing was changed on purpose.
    pub dry_run: bool,
    /// Counts of the commits since the current version.
    pub commits: Stats,
    /// Conventional commits that count, newest first.
    pub changes: Vec<CommitDoc>,
    /// Commits whose messages are not Conventional Commits.
    pub non_conventional: Vec<CommitDoc>,
    /// Release notes (Markdown).
    pub changelog: Option<String>,
    /// Files changed (or that would be).
    pub files: Vec<FileDoc>,
    /// Extra, command-specific fields.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty", flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Document {
    /// A document for `command` from a state.
    pub fn new(command: &'static str, project: &Project, state: &State) -> Self {
        let doc = |c: &crate::commit::Parsed| CommitDoc {
            id: c.raw.id.clone(),
            subject: c.subject().to_owned(),
            r#type: c.conventional().map(|c| c.kind.clone()),
            scope: c.conventional().and_then(|c| c.scope.clone()),
            breaking: c.conventional().is_some_and(|c| c.breaking),
        };
        Self {
            schema: SCHEMA,
            command,
            package: project.target.name.clone(),
            current: state.current.to_string(),
            current_tag: state.current_tag.clone(),
            source: state.source,
            next: None,
            version: None,
            tag: None,
            bump: state.verdict.level,
            released: false,
            dry_run: false,
            commits: state.verdict.stats.clone(),
            changes: state.verdict.commits.iter().map(doc).collect(),
            non_conventional: state.verdict.others.iter().map(doc).collect(),
            changelog: None,
            files: Vec::new(),
            extra: serde_json::Map::new(),
        }
    }
}

/// Reports non-conventional commits as a warning (never fatal outside `verify`).
fn warn_non_conventional(ui: &Ui, state: &State) {
    let n = state.verdict.stats.non_conventional;
    if n > 0 {
        let examples: Vec<String> = state
            .verdict
            .others
            .iter()
            .take(3)
            .map(|c| format!("{} {}", c.short_id(), c.subject()))
            .collect();
        ui.warn(&format!(
            "{n} commit(s) are not Conventional Commits and do not count: {}{}",
            examples.join("; "),
            if n > 3 { "; …" } else { "" }
        ));
    }
}

/// Resolves the level and version a `bump`/`prepare-release` asks for.
fn target_version(
    project: &Project,
    state: &State,
    kind: crate::cli::BumpKind,
    pre: Option<crate::version::Channel>,
    promote: bool,
) -> Option<(semver::Version, Level)> {
    use crate::cli::BumpKind;
    let mut channel = pre.map(crate::version::Channel::as_str);
    let level = match kind {
        BumpKind::Major => Level::Major,
        BumpKind::Minor => Level::Minor,
        BumpKind::Patch => Level::Patch,
        BumpKind::Auto => {
            // An explicit level asks for a release; `auto` promotes only as configured.
            channel = project.channel(state, channel, promote);
            state.verdict.level
        }
        BumpKind::Prerelease => {
            let v = if state.source == Source::Default {
                project.next(state, Level::Patch, Some(channel.unwrap_or("rc")))?
            } else {
                crate::version::next_prerelease(&state.current, channel)
            };
            return Some((v, Level::None));
        }
    };
    project.next(state, level, channel).map(|v| (v, level))
}

/// The failure for "nothing releasable".
fn nothing_to_release(state: &State) -> Failure {
    Failure::no(format!(
        "nothing to release since {}: {} commit(s), none of them feat, fix, perf or breaking",
        state
            .current_tag
            .clone()
            .unwrap_or_else(|| state.current.to_string()),
        state.verdict.stats.total
    ))
    .help("name the level yourself (bump patch|minor|major) or configure more types in [version] types")
}
