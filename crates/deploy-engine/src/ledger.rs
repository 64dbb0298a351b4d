//! The ledger: an environment's history (version, slot, status, times, actor, commit, run
//! URL) and what each slot runs, kept with the platform as `STATE_DIR/ledger.json` on the
//! primary host, written atomically (temporary file, then rename) and capped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};

/// The ledger file's schema id.
pub const SCHEMA: &str = "slipway.ledger/v1";
const TIMEOUT: Duration = Duration::from_secs(60);

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
    /// The commit (`GITHUB_SHA`), when known.
    pub commit: Option<String>,
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

/// RFC 3339 now, in UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The ledger file on the primary host.
#[derive(Clone)]
pub struct Store {
    target: Arc<dyn Target>,
    dir: String,
    environment: String,
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
        }
    }

    /// `DIR/ledger.json`, for messages.
    pub fn path(&self) -> String {
        format!("{}/ledger.json", self.dir)
    }

    /// Reads the ledger (empty when there is none yet).
    pub fn load(&self, run: &Run) -> Result<Ledger> {
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

    /// Writes the ledger atomically. `mode` is [`Mode::Cleanup`] on failure paths.
    pub fn save(&self, run: &Run, ledger: &Ledger, mode: Mode) -> Result<()> {
        let mut text = serde_json::to_string_pretty(ledger)
            .map_err(|e| Error::failed(format!("cannot serialise the ledger: {e}")))?;
        text.push('\n');
        let dir = quote(&self.dir);
        let path = quote(&self.path());
        let tmp = quote(&format!("{}/.ledger.json.tmp", self.dir));
        let script = format!("mkdir -p {dir} && cat > {tmp}.$$ && mv -f {tmp}.$$ {path}");
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
            run_url: None,
            reason: None,
        }
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
    fn store_round_trips_atomically_on_a_local_target() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("staging").display().to_string();
        let store = Store::new(Arc::new(crate::shell::Local), &state, "staging");
        let run = Run::new(
            slipway_kit::Ui::detect().quiet(true),
            crate::cancel::Cancel::new(),
            false,
        );
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
}
