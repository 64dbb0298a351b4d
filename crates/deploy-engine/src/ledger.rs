//! The ledger: an environment's history (version, slot, status, times, actor, commit, run
//! URL) and what each slot runs, kept with the platform as `STATE_DIR/ledger.json` on the
//! primary host, written atomically and durably (see [`Store::save`]) and capped at the
//! environment's `history` entries (50 by default).
//!
//! Beside it, `STATE_DIR/history.jsonl` is the long history `deploy metrics` reads: one
//! compact line per finished run, appended when the run ends. It keeps the newest
//! [`ARCHIVE_KEEP`] runs (a year of daily deploys many times over); when an append takes it
//! past [`ARCHIVE_KEEP`] + [`ARCHIVE_SLACK`] lines, the oldest lines are dropped down to
//! [`ARCHIVE_KEEP`] in one atomic rewrite. Nothing else ever rewrites it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};

/// The ledger file's schema id.
pub const SCHEMA: &str = "slipway.ledger/v1";
const TIMEOUT: Duration = Duration::from_secs(60);
/// Finished runs `history.jsonl` keeps.
pub const ARCHIVE_KEEP: usize = 10_000;
/// Lines beyond [`ARCHIVE_KEEP`] tolerated before the oldest are pruned.
pub const ARCHIVE_SLACK: usize = 1_000;
/// Longest `reason` kept in a `history.jsonl` line.
const ARCHIVE_REASON_CHARS: usize = 200;

/// How a deploy or rollback ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Running, or killed before it could say otherwise.
    InProgress,
    /// Serving the new version.
    Succeeded,
    /// A check failed and traffic went back to the previous version.
    RolledBack,
    /// It failed and so did putting things back: a person must look.
    Failed,
    /// A signal stopped it and traffic went back.
    Cancelled,
    /// Found in progress by a later run: its process died (kill -9, lost runner).
    Interrupted,
}

impl Status {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in-progress",
            Self::Succeeded => "succeeded",
            Self::RolledBack => "rolled-back",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
        }
    }
}

/// One deploy or rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique id of the run.
    pub id: String,
    /// `deploy` or `rollback`.
    pub kind: String,
    /// The version it put in place.
    pub version: String,
    /// The version serving before it.
    pub previous: Option<String>,
    /// The slot the version runs in.
    pub slot: String,
    /// `blue-green`, `rolling`, `fast-path`, `redeploy`, `emergency`.
    pub strategy: String,
    /// How it ended.
    pub status: Status,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339, when it ended.
    pub finished_at: Option<String>,
    /// Who ran it (`GITHUB_ACTOR` or the local user).
    pub actor: String,
    /// The commit deployed: `GITHUB_SHA`, else `git rev-parse HEAD` where the run started.
    pub commit: Option<String>,
    /// RFC 3339: when traffic first reached the new version (absent: it never did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switched_at: Option<String>,
    /// The workflow run, when known.
    pub run_url: Option<String>,
    /// Why (rollbacks), or what went wrong.
    pub reason: Option<String>,
}

/// What the router serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Active {
    /// Version.
    pub version: String,
    /// Slot.
    pub slot: String,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// [`SCHEMA`].
    pub schema: String,
    /// Environment name.
    pub environment: String,
    /// What is serving, after the last finished run.
    pub active: Option<Active>,
    /// Slot name to the version running in it on every host (absent: stopped).
    #[serde(default)]
    pub slots: BTreeMap<String, String>,
    /// Newest first.
    #[serde(default)]
    pub history: Vec<Entry>,
}

impl Ledger {
    /// An empty ledger.
    pub fn empty(environment: &str) -> Self {
        Self {
            schema: SCHEMA.to_owned(),
            environment: environment.to_owned(),
            active: None,
            slots: BTreeMap::new(),
            history: Vec::new(),
        }
    }

    /// Adds an entry at the front, dropping the oldest beyond `cap`.
    pub fn push(&mut self, entry: Entry, cap: usize) {
        self.history.insert(0, entry);
        self.history.truncate(cap.max(1));
    }

    /// The entry with `id`.
    pub fn entry_mut(&mut self, id: &str) -> Option<&mut Entry> {
        self.history.iter_mut().find(|e| e.id == id)
    }

    /// Marks runs left `in-progress` by a dead process as `interrupted`; returns them.
    pub fn mark_interrupted(&mut self) -> Vec<Entry> {
        let mut found = Vec::new();
        for e in &mut self.history {
            if e.status == Status::InProgress {
                e.status = Status::Interrupted;
                e.finished_at.get_or_insert_with(now);
                found.push(e.clone());
            }
        }
        found
    }

    /// Versions that served successfully, newest first, each once.
    pub fn good_versions(&self) -> Vec<&Entry> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for e in &self.history {
            if e.status == Status::Succeeded && !seen.contains(&e.version.as_str()) {
                seen.push(e.version.as_str());
                out.push(e);
            }
        }
        out
    }

    /// The newest good version other than the active one: what a rollback returns to.
    pub fn previous_good(&self) -> Option<&Entry> {
        let active = self.active.as_ref().map(|a| a.version.as_str());
        self.good_versions()
            .into_iter()
            .find(|e| Some(e.version.as_str()) != active)
    }
}

impl Entry {
    /// The compact form kept in `history.jsonl`: one line, `reason` shortened.
    pub fn archive_line(&self) -> String {
        let mut e = self.clone();
        if let Some(r) = &mut e.reason {
            if r.chars().count() > ARCHIVE_REASON_CHARS {
                *r = r.chars().take(ARCHIVE_REASON_CHARS).collect::<String>() + "…";
            }
        }
        serde_json::to_string(&e).unwrap_or_default()
    }
}

/// Merges the ledger's entries with the archive's (`history.jsonl` lines), each run once
/// (the ledger's copy wins), oldest first by start time.
pub fn merge_history(ledger: &[Entry], archive: Vec<Entry>) -> Vec<Entry> {
    let mut ids: std::collections::HashSet<String> = ledger.iter().map(|e| e.id.clone()).collect();
    let mut all: Vec<Entry> = archive
        .into_iter()
        .filter(|e| ids.insert(e.id.clone()))
        .collect();
    all.extend(ledger.iter().cloned());
    all.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    all
}

/// The commit this run deploys: `GITHUB_SHA` when set, else `git rev-parse HEAD` in the
/// current directory, else none (not in a repository).
pub fn current_commit() -> Option<String> {
    if let Some(sha) = std::env::var("GITHUB_SHA")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return Some(sha.trim().to_owned());
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stderr(std::process::Stdio::null())
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !sha.is_empty()).then_some(sha)
}

/// The shell script that writes a ledger of `len` bytes read from stdin to `path`:
/// temporary file, byte count checked, fsync (`sync FILE`, else a global `sync`), rename,
/// fsync of the directory. A short write removes the temporary file and fails.
fn save_script(dir: &str, path: &str, len: usize) -> String {
    let (dir, path) = (quote(dir), quote(path));
    format!(
        "mkdir -p {dir} && t={dir}/.ledger.json.tmp.$$ && \
         if cat > \"$t\" && n=$(wc -c < \"$t\") && [ $n -eq {len} ] && {{ sync \"$t\" 2>/dev/null || sync; }}; then \
         mv -f \"$t\" {path} && {{ sync {dir} 2>/dev/null || sync; }}; \
         else rm -f \"$t\"; echo \"the new ledger arrived incomplete ($n of {len} bytes); the old one is kept\" >&2; exit 1; fi"
    )
}

/// RFC 3339 now, in UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Where an environment's ledger and its archive of finished runs are kept. Platforms
/// choose one ([`crate::platform::Platform::ledger_store`]): files on the primary host
/// ([`Store`]), ConfigMaps on Kubernetes. Everything that reads ledgers (`rollback
/// --list-versions`, `deploy status`, `deploy metrics`) goes through this trait.
pub trait LedgerStore: Send + Sync {
    /// Where the ledger is, for messages (`~/.slipway/staging/ledger.json`).
    fn path(&self) -> String;

    /// Where the archive is, for messages.
    fn archive_path(&self) -> String;

    /// Reads the ledger (empty when there is none yet).
    fn load(&self, run: &Run) -> Result<Ledger>;

    /// Writes the ledger whole. `mode` is [`Mode::Cleanup`] on failure paths.
    fn save(&self, run: &Run, ledger: &Ledger, mode: Mode) -> Result<()>;

    /// Appends a finished run to the archive (bounded; the oldest go first).
    fn append_archive(&self, run: &Run, entry: &Entry) -> Result<()>;

    /// Reads the archive, oldest first.
    fn load_archive(&self, run: &Run) -> Result<Vec<Entry>>;

    /// Every recorded run of the environment, oldest first: the ledger's entries and the
    /// archive's, each once.
    fn load_all(&self, run: &Run) -> Result<Vec<Entry>> {
        let ledger = self.load(run)?;
        let archive = self.load_archive(run)?;
        Ok(merge_history(&ledger.history, archive))
    }
}

/// The ledger file on the primary host.
#[derive(Clone)]
pub struct Store {
    target: Arc<dyn Target>,
    dir: String,
    environment: String,
    archive_keep: usize,
    archive_slack: usize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The ledger in `dir` on `target`.
    pub fn new(target: Arc<dyn Target>, dir: &str, environment: &str) -> Self {
        Self {
            target,
            dir: dir.trim_end_matches('/').to_owned(),
            environment: environment.to_owned(),
            archive_keep: ARCHIVE_KEEP,
            archive_slack: ARCHIVE_SLACK,
        }
    }

    /// Keeps `keep` runs in `history.jsonl`, pruning once it passes `keep + slack` lines
    /// (defaults [`ARCHIVE_KEEP`] and [`ARCHIVE_SLACK`]).
    #[must_use]
    pub fn archive_limits(mut self, keep: usize, slack: usize) -> Self {
        self.archive_keep = keep.max(1);
        self.archive_slack = slack;
        self
    }

    /// `DIR/ledger.json`.
    pub fn file(&self) -> String {
        format!("{}/ledger.json", self.dir)
    }

    /// `DIR/history.jsonl`.
    pub fn archive_file(&self) -> String {
        format!("{}/history.jsonl", self.dir)
    }
}

impl LedgerStore for Store {
    fn path(&self) -> String {
        self.file()
    }

    fn archive_path(&self) -> String {
        self.archive_file()
    }

    /// Appends a finished run to `history.jsonl`, pruning the oldest lines down to
    /// [`ARCHIVE_KEEP`] when it has grown past [`ARCHIVE_KEEP`] + [`ARCHIVE_SLACK`].
    /// Runs under the environment's lock, so appends never interleave.
    fn append_archive(&self, run: &Run, entry: &Entry) -> Result<()> {
        if run.dry_run {
            return Ok(());
        }
        let mut line = entry.archive_line();
        line.push('\n');
        let dir = quote(&self.dir);
        let path = quote(&self.archive_path());
        let tmp = quote(&format!("{}/.history.jsonl.tmp", self.dir));
        let script = format!(
            "mkdir -p {dir} && {{ [ ! -s {path} ] || [ -z \"$(tail -c 1 {path})\" ] || echo >> {path}; }} && \
             cat >> {path} && n=$(wc -l < {path}) && \
             if [ \"$n\" -gt {limit} ]; then tail -n {keep} {path} > {tmp}.$$ && mv -f {tmp}.$$ {path}; fi",
            limit = self.archive_keep + self.archive_slack,
            keep = self.archive_keep,
        );
        run.exec_ok(
            &*self.target,
            "appending to the deploy history",
            &script,
            Some(line.as_bytes()),
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }

    /// Reads `history.jsonl` (empty when there is none). A line that is not a valid entry
    /// (a torn last line after a crash) is skipped with a warning naming its number.
    fn load_archive(&self, run: &Run) -> Result<Vec<Entry>> {
        let script = format!("cat {} 2>/dev/null || true", quote(&self.archive_path()));
        let out = run.exec(&*self.target, &script, None, TIMEOUT, Mode::Read)?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot read the deploy history {} on {}: {}",
                self.archive_path(),
                self.target.name(),
                out.combined()
            )));
        }
        let mut entries = Vec::new();
        for (n, line) in out.stdout.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => entries.push(e),
                Err(e) => run.ui.warn(&format!(
                    "{} on {}: line {} is not a history entry ({e}); skipped",
                    self.archive_path(),
                    self.target.name(),
                    n + 1
                )),
            }
        }
        Ok(entries)
    }

    fn load(&self, run: &Run) -> Result<Ledger> {
        let script = format!("cat {} 2>/dev/null || true", quote(&self.path()));
        let out = run.exec(&*self.target, &script, None, TIMEOUT, Mode::Read)?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot read the ledger {} on {}: {}",
                self.path(),
                self.target.name(),
                out.combined()
            )));
        }
        if out.stdout.trim().is_empty() {
            return Ok(Ledger::empty(&self.environment));
        }
        let ledger: Ledger = serde_json::from_str(&out.stdout).map_err(|e| {
            Error::failed(format!(
                "the ledger {} on {} is not valid JSON ({e}); move it aside to start a new history",
                self.path(),
                self.target.name()
            ))
        })?;
        Ok(ledger)
    }

    /// Writes the ledger atomically and durably: the new text goes to a temporary file,
    /// which must hold every byte sent (a cut connection leaves a short file, which is
    /// removed: a truncated ledger never replaces a good one), is fsynced, renamed over the
    /// ledger, and the directory is fsynced so the rename survives a power cut. `mode` is
    /// [`Mode::Cleanup`] on failure paths.
    fn save(&self, run: &Run, ledger: &Ledger, mode: Mode) -> Result<()> {
        let mut text = serde_json::to_string_pretty(ledger)
            .map_err(|e| Error::failed(format!("cannot serialise the ledger: {e}")))?;
        text.push('\n');
        let script = save_script(&self.dir, &self.path(), text.len());
        if run.dry_run {
            run.ui.detail(&format!(
                "would record in {} on {}",
                self.path(),
                self.target.name()
            ));
            return Ok(());
        }
        run.exec_ok(
            &*self.target,
            "writing the ledger",
            &script,
            Some(text.as_bytes()),
            TIMEOUT,
            mode,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, version: &str, status: Status) -> Entry {
        Entry {
            id: id.into(),
            kind: "deploy".into(),
            version: version.into(),
            previous: None,
            slot: "blue".into(),
            strategy: "blue-green".into(),
            status,
            started_at: now(),
            finished_at: None,
            actor: "tester".into(),
            commit: None,
            switched_at: None,
            run_url: None,
            reason: None,
        }
    }

    /// A ledger store in a temporary state directory on this machine, and a quiet run.
    fn local_store() -> (tempfile::TempDir, String, Store, Run) {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("staging").display().to_string();
        let store = Store::new(Arc::new(crate::shell::Local), &state, "staging");
        let run = Run::new(
            slipway_kit::Ui::detect().quiet(true),
            crate::cancel::Cancel::new(),
            false,
        );
        (dir, state, store, run)
    }

    #[test]
    fn previous_good_skips_the_active_and_failed_versions() {
        let mut l = Ledger::empty("staging");
        l.push(entry("1", "v1", Status::Succeeded), 10);
        l.push(entry("2", "v2", Status::Succeeded), 10);
        l.push(entry("3", "v3", Status::RolledBack), 10);
        l.push(entry("4", "v2", Status::Succeeded), 10);
        l.active = Some(Active {
            version: "v2".into(),
            slot: "blue".into(),
        });
        assert_eq!(l.previous_good().unwrap().version, "v1");
        let versions: Vec<&str> = l
            .good_versions()
            .iter()
            .map(|e| e.version.as_str())
            .collect();
        assert_eq!(versions, ["v2", "v1"]);
    }

    #[test]
    fn history_is_capped_newest_first() {
        let mut l = Ledger::empty("staging");
        for i in 0..5 {
            l.push(
                entry(&i.to_string(), &format!("v{i}"), Status::Succeeded),
                3,
            );
        }
        let ids: Vec<&str> = l.history.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["4", "3", "2"]);
    }

    #[test]
    fn archive_appends_one_line_per_run_and_prunes_the_oldest_past_the_slack() {
        let (dir, state, store, run) = local_store();
        let store = store.archive_limits(3, 2);
        assert!(store.load_archive(&run).unwrap().is_empty());
        let ids = |store: &Store| -> Vec<String> {
            store
                .load_archive(&run)
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect()
        };
        for i in 1..=5 {
            let mut e = entry(&i.to_string(), &format!("v{i}"), Status::Succeeded);
            e.reason = Some("x".repeat(500));
            store.append_archive(&run, &e).unwrap();
        }
        assert_eq!(
            ids(&store),
            ["1", "2", "3", "4", "5"],
            "within keep + slack"
        );
        let first = &store.load_archive(&run).unwrap()[0];
        assert_eq!(
            first.reason.as_ref().unwrap().chars().count(),
            ARCHIVE_REASON_CHARS + 1,
            "reason shortened, with an ellipsis"
        );
        store
            .append_archive(&run, &entry("6", "v6", Status::RolledBack))
            .unwrap();
        assert_eq!(ids(&store), ["4", "5", "6"], "pruned to the newest 3");
        assert_eq!(
            std::fs::read_dir(&state).unwrap().count(),
            1,
            "no temporary file left"
        );
        // A torn last line (a crash mid-append) is skipped, the rest still read.
        let path = dir.path().join("staging/history.jsonl");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"id\":\"7\",\"ki");
        std::fs::write(&path, text).unwrap();
        assert_eq!(ids(&store), ["4", "5", "6"]);
        // The next append starts on a line of its own.
        store
            .append_archive(&run, &entry("8", "v8", Status::Succeeded))
            .unwrap();
        assert_eq!(ids(&store), ["4", "5", "6", "8"]);
    }

    #[test]
    fn merge_keeps_each_run_once_oldest_first_with_the_ledger_copy() {
        let mut a = entry("a", "v1", Status::Succeeded);
        a.started_at = "2026-01-01T00:00:00Z".into();
        let mut b = entry("b", "v2", Status::InProgress);
        b.started_at = "2026-01-02T00:00:00Z".into();
        let mut b_done = b.clone();
        b_done.status = Status::RolledBack;
        let merged = merge_history(&[b_done.clone()], vec![a.clone(), b]);
        assert_eq!(merged, [a, b_done]);
    }

    #[test]
    fn store_round_trips_atomically_on_a_local_target() {
        let (_dir, state, store, run) = local_store();
        assert_eq!(store.load(&run).unwrap(), Ledger::empty("staging"));
        let mut l = Ledger::empty("staging");
        l.push(entry("1", "v1", Status::InProgress), 10);
        store.save(&run, &l, Mode::Change).unwrap();
        let mut back = store.load(&run).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.mark_interrupted().len(), 1);
        assert_eq!(
            std::fs::read_dir(&state).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_truncated_write_never_replaces_a_good_ledger() {
        let (_dir, state, store, run) = local_store();
        let mut good = Ledger::empty("staging");
        good.push(entry("1", "v1", Status::Succeeded), 10);
        store.save(&run, &good, Mode::Change).unwrap();
        let before = std::fs::read_to_string(store.path()).unwrap();
        // The connection is cut half way: the script gets half the bytes it was promised.
        let mut next = good.clone();
        next.push(entry("2", "v2", Status::InProgress), 10);
        let text = serde_json::to_string_pretty(&next).unwrap();
        let script = save_script(&state, &store.path(), text.len());
        let out = crate::shell::Local
            .run(
                &script,
                Some(&text.as_bytes()[..text.len() / 2]),
                Duration::from_secs(10),
                None,
            )
            .unwrap();
        assert!(!out.success(), "a short write must fail");
        assert!(out.stderr.contains("incomplete"), "{}", out.stderr);
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), before);
        assert_eq!(store.load(&run).unwrap(), good);
        assert_eq!(
            std::fs::read_dir(&state).unwrap().count(),
            1,
            "the short temporary file is removed"
        );
    }
}
