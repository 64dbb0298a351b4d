//! The ledger in the cluster: the ConfigMap `slipway-ledger-ENV`, key `ledger.json`, the
//! same document as the file on hosts. Writes carry the `resourceVersion` the ledger was
//! read at, so the API refuses a write over someone else's (optimistic concurrency); on a
//! conflict the store reads the ConfigMap again, applies this run's changes (entries
//! added or updated, active version and slots changed since the read) on top of the
//! other writer's, and retries. Two concurrent writers therefore both keep their entries.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::ledger::{Entry, Ledger, LedgerStore};
use crate::platform::kubernetes::Cluster;
use crate::run::{Error, Mode, Result, Run};

/// The data key holding the ledger.
pub const KEY: &str = "ledger.json";
/// The data key of the archive ConfigMap (`slipway-history-ENV`), one entry per line.
pub const ARCHIVE_KEY: &str = "history.jsonl";
/// Finished runs kept in the archive: a ConfigMap holds at most 1 MiB.
pub const ARCHIVE_KEEP: usize = 1000;
const ATTEMPTS: usize = 8;

/// The ConfigMap ledger of one environment.
#[derive(Debug)]
pub struct ConfigMapLedger {
    cluster: Arc<Cluster>,
    name: String,
    environment: String,
    history: usize,
    /// The ledger as last read or written, with its resourceVersion.
    base: Mutex<Option<(Ledger, String)>>,
}

impl ConfigMapLedger {
    /// The ledger of `environment`, keeping `history` entries.
    pub fn new(cluster: Arc<Cluster>, environment: &str, history: usize) -> Self {
        Self {
            cluster,
            name: format!("slipway-ledger-{environment}"),
            environment: environment.to_owned(),
            history,
            base: Mutex::new(None),
        }
    }

    /// The ConfigMap's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn read(&self, run: &Run) -> Result<Option<(Ledger, String)>> {
        let Some(cm) = self.cluster.kubectl.get(run, "configmap", &self.name)? else {
            return Ok(None);
        };
        let rv = cm["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let ledger = match cm["data"][KEY].as_str() {
            Some(text) if !text.trim().is_empty() => serde_json::from_str(text).map_err(|e| {
                Error::failed(format!(
                    "the ledger in configmap {} ({}) is not valid JSON ({e}); rename the ConfigMap to start a new history",
                    self.name,
                    self.cluster.kubectl.namespace()
                ))
            })?,
            _ => Ledger::empty(&self.environment),
        };
        Ok(Some((ledger, rv)))
    }

    fn object(&self, ledger: &Ledger, rv: Option<&str>) -> Result<Value> {
        let text = serde_json::to_string_pretty(ledger)
            .map_err(|e| Error::failed(format!("cannot serialise the ledger: {e}")))?;
        let mut metadata = json!({
            "name": self.name,
            "labels": {"app.kubernetes.io/managed-by": "slipway", "slipway.dev/environment": self.environment},
        });
        if let Some(rv) = rv {
            metadata["resourceVersion"] = json!(rv);
        }
        Ok(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {KEY: text}}),
        )
    }

    fn archive_name(&self) -> String {
        format!("slipway-history-{}", self.environment)
    }

    /// The archive's lines and resourceVersion (none when it does not exist yet).
    fn read_archive(&self, run: &Run) -> Result<(Vec<String>, Option<String>)> {
        let Some(cm) = self
            .cluster
            .kubectl
            .get(run, "configmap", &self.archive_name())?
        else {
            return Ok((Vec::new(), None));
        };
        let lines = cm["data"][ARCHIVE_KEY]
            .as_str()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        Ok((
            lines,
            cm["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_owned),
        ))
    }

    fn remember(&self, value: Option<(Ledger, String)>) {
        *self
            .base
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    }

    fn base(&self) -> Option<(Ledger, String)> {
        self.base
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// `ours` re-applied on `theirs`: what changed from `base` to `ours` wins, the rest is theirs.
pub fn merge(base: &Ledger, ours: &Ledger, theirs: &Ledger, cap: usize) -> Ledger {
    let mut out = theirs.clone();
    for entry in &ours.history {
        if base.history.contains(entry) {
            continue;
        }
        match out.history.iter_mut().find(|e| e.id == entry.id) {
            Some(e) => *e = entry.clone(),
            None => out.history.push(entry.clone()),
        }
    }
    // Newest first, by start time (RFC 3339 in UTC sorts as text).
    out.history.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    out.history.truncate(cap.max(1));
    if ours.active != base.active {
        out.active.clone_from(&ours.active);
    }
    let keys: std::collections::BTreeSet<&String> =
        base.slots.keys().chain(ours.slots.keys()).collect();
    for k in keys {
        if ours.slots.get(k) != base.slots.get(k) {
            match ours.slots.get(k) {
                Some(v) => {
                    out.slots.insert(k.clone(), v.clone());
                }
                None => {
                    out.slots.remove(k);
                }
            }
        }
    }
    out
}

impl LedgerStore for ConfigMapLedger {
    fn path(&self) -> String {
        format!(
            "configmap {} in {}",
            self.name,
            self.cluster.kubectl.namespace()
        )
    }

    fn archive_path(&self) -> String {
        format!(
            "configmap {} in {}",
            self.archive_name(),
            self.cluster.kubectl.namespace()
        )
    }

    fn append_archive(&self, run: &Run, entry: &Entry) -> Result<()> {
        if run.dry_run {
            return Ok(());
        }
        for _ in 0..ATTEMPTS {
            let (mut lines, rv) = self.read_archive(run)?;
            lines.push(entry.archive_line());
            let drop = lines.len().saturating_sub(ARCHIVE_KEEP);
            lines.drain(..drop);
            let mut text = lines.join("\n");
            text.push('\n');
            let mut metadata = json!({"name": self.archive_name(),
                "labels": {"app.kubernetes.io/managed-by": "slipway", "slipway.dev/environment": self.environment}});
            if let Some(rv) = &rv {
                metadata["resourceVersion"] = json!(rv);
            }
            let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                "data": {ARCHIVE_KEY: text}});
            let verb = if rv.is_some() { "replace" } else { "create" };
            match self
                .cluster
                .kubectl
                .write(run, verb, &object, Mode::Cleanup)?
            {
                Ok(_) => return Ok(()),
                Err(r) if r.is("Conflict") || r.is("AlreadyExists") || r.is("NotFound") => {}
                Err(r) => {
                    return Err(Error::failed(format!(
                        "appending to {}: {}",
                        self.archive_path(),
                        r.message
                    )));
                }
            }
        }
        Err(Error::failed(format!(
            "appending to {}: still conflicting after {ATTEMPTS} attempts",
            self.archive_path()
        )))
    }

    fn load_archive(&self, run: &Run) -> Result<Vec<Entry>> {
        let (lines, _) = self.read_archive(run)?;
        let mut entries = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => entries.push(e),
                Err(e) => run.ui.warn(&format!(
                    "{}: line {} is not a history entry ({e}); skipped",
                    self.archive_path(),
                    n + 1
                )),
            }
        }
        Ok(entries)
    }

    fn load(&self, run: &Run) -> Result<Ledger> {
        let read = self.read(run)?;
        let ledger = read
            .as_ref()
            .map_or_else(|| Ledger::empty(&self.environment), |(l, _)| l.clone());
        self.remember(read);
        Ok(ledger)
    }

    fn save(&self, run: &Run, ledger: &Ledger, mode: Mode) -> Result<()> {
        if run.dry_run {
            run.ui.detail(&format!("would record in {}", self.path()));
            return Ok(());
        }
        let base = self.base();
        let empty = Ledger::empty(&self.environment);
        let base_ledger = base.as_ref().map_or(&empty, |(l, _)| l).clone();
        let mut rv = base.as_ref().map(|(_, rv)| rv.clone());
        // The caller's ledger may predate entries merged in by an earlier conflict: its
        // changes go on top of what is stored, never in place of it.
        let mut next = match &base {
            Some((stored, _)) => merge(stored, ledger, stored, self.history),
            None => ledger.clone(),
        };
        for _ in 0..ATTEMPTS {
            let (verb, object) = match &rv {
                Some(rv) => ("replace", self.object(&next, Some(rv))?),
                None => ("create", self.object(&next, None)?),
            };
            match self.cluster.kubectl.write(run, verb, &object, mode)? {
                Ok(stored) => {
                    let stored_rv = stored["metadata"]["resourceVersion"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    self.remember(Some((next, stored_rv)));
                    return Ok(());
                }
                Err(r) if r.is("Conflict") || r.is("AlreadyExists") || r.is("NotFound") => {
                    // Someone else wrote in between: our changes on top of theirs.
                    let theirs = self.read(run)?;
                    let (their_ledger, their_rv) = theirs.map_or_else(
                        || (Ledger::empty(&self.environment), None),
                        |(l, v)| (l, Some(v)),
                    );
                    tracing::debug!("ledger conflict on {}: merging", self.name);
                    next = merge(&base_ledger, ledger, &their_ledger, self.history);
                    rv = their_rv;
                }
                Err(r) => {
                    return Err(Error::failed(format!(
                        "writing the ledger {}: {}",
                        self.path(),
                        r.message
                    )));
                }
            }
        }
        Err(Error::failed(format!(
            "writing the ledger {}: still conflicting after {ATTEMPTS} attempts",
            self.path()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Active, Status};

    fn entry(id: &str, at: &str) -> Entry {
        Entry {
            id: id.into(),
            kind: "deploy".into(),
            version: format!("v-{id}"),
            previous: None,
            slot: "blue".into(),
            strategy: "rolling".into(),
            status: Status::InProgress,
            started_at: at.into(),
            finished_at: None,
            actor: "t".into(),
            commit: None,
            switched_at: None,
            run_url: None,
            reason: None,
        }
    }

    #[test]
    fn a_merge_keeps_both_writers_entries_and_our_changes() {
        let mut base = Ledger::empty("e");
        base.push(entry("old", "2026-01-01T00:00:00Z"), 10);
        let mut ours = base.clone();
        ours.push(entry("mine", "2026-01-03T00:00:00Z"), 10);
        ours.history[1].status = Status::Succeeded;
        ours.active = Some(Active {
            version: "v-mine".into(),
            slot: "blue".into(),
        });
        let mut theirs = base.clone();
        theirs.push(entry("theirs", "2026-01-02T00:00:00Z"), 10);
        theirs.slots.insert("green".into(), "v-theirs".into());
        let merged = merge(&base, &ours, &theirs, 10);
        let ids: Vec<&str> = merged.history.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["mine", "theirs", "old"]);
        assert_eq!(merged.history[2].status, Status::Succeeded);
        assert_eq!(merged.active.unwrap().version, "v-mine");
        assert_eq!(merged.slots["green"], "v-theirs");
    }
}
