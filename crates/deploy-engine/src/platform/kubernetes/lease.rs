//! The lock in the cluster: the `coordination.k8s.io/v1` Lease `slipway-lock-ENV`. Taking
//! it is a `create`, which the API makes atomic (a second one gets `AlreadyExists`); the
//! holder (the same record as on hosts) sits in an annotation, `spec.holderIdentity` is
//! the run's id and `leaseDurationSeconds` the lock TTL. While a run holds it, a thread
//! renews `spec.renewTime` every third of the TTL with a JSON patch that first tests the
//! holder identity, so a run never renews a lease someone broke and took. A lease whose
//! renewals stopped for longer than the TTL is stale (the holder died without a trace on
//! this machine); manual freezes are never renewed and never stale, as on hosts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::lock::{Found, Holder, LockStore};
use crate::platform::kubernetes::Cluster;
use crate::run::{Error, Mode, Result, Run};

/// The annotation holding the holder record.
pub const HOLDER_ANNOTATION: &str = "slipway.dev/holder";

/// The Lease lock of one environment.
#[derive(Debug)]
pub struct LeaseLock {
    cluster: Arc<Cluster>,
    name: String,
    ttl: Duration,
    /// Renewers by holder id: set to stop one.
    renewers: Mutex<BTreeMap<String, Arc<AtomicBool>>>,
}

/// `YYYY-MM-DDTHH:MM:SS.ssssssZ`, the API's MicroTime.
pub fn micro_time(at: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

fn parse_time(text: &str) -> Option<u64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| u64::try_from(t.unix_timestamp()).ok())
}

impl LeaseLock {
    /// The lock of `environment` with `ttl`.
    pub fn new(cluster: Arc<Cluster>, environment: &str, ttl: Duration) -> Self {
        Self {
            cluster,
            name: format!("slipway-lock-{environment}"),
            ttl,
            renewers: Mutex::new(BTreeMap::new()),
        }
    }

    /// The Lease's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn holder_of(lease: &Value) -> Holder {
        let mut holder: Holder = lease["metadata"]["annotations"][HOLDER_ANNOTATION]
            .as_str()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_else(|| {
                let mut h = Holder::unreadable();
                lease["spec"]["holderIdentity"]
                    .as_str()
                    .unwrap_or_default()
                    .clone_into(&mut h.id);
                h.actor = format!(
                    "{} (not a slipway lease)",
                    lease["spec"]["holderIdentity"]
                        .as_str()
                        .unwrap_or("unknown")
                );
                h
            });
        if holder.operation != "manual" {
            holder.renewed_epoch = lease["spec"]["renewTime"].as_str().and_then(parse_time);
        }
        holder
    }

    fn start_renewing(&self, id: &str) {
        let stop = Arc::new(AtomicBool::new(false));
        self.renewers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned(), Arc::clone(&stop));
        let kubectl = self.cluster.kubectl.clone();
        let name = self.name.clone();
        let id = id.to_owned();
        let every = (self.ttl / 3).max(Duration::from_secs(1));
        let spawned = std::thread::Builder::new()
            .name("slipway-lease-renewer".into())
            .spawn(move || {
                loop {
                    let mut waited = Duration::ZERO;
                    while waited < every {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                        waited += Duration::from_millis(100);
                    }
                    let patch = json!([
                        {"op": "test", "path": "/spec/holderIdentity", "value": id},
                        {"op": "replace", "path": "/spec/renewTime", "value": micro_time(time::OffsetDateTime::now_utc())},
                    ]);
                    if !kubectl.patch_detached("lease", &name, &patch) {
                        tracing::warn!("could not renew lease {name}");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the renewer of lease {}: {e}", self.name);
        }
    }

    fn stop_renewing(&self, id: Option<&str>) {
        let mut renewers = self
            .renewers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let ids: Vec<String> = match id {
            Some(id) => vec![id.to_owned()],
            None => renewers.keys().cloned().collect(),
        };
        for id in ids {
            if let Some(stop) = renewers.remove(&id) {
                stop.store(true, Ordering::SeqCst);
            }
        }
    }
}

impl Drop for LeaseLock {
    fn drop(&mut self) {
        self.stop_renewing(None);
    }
}

impl LockStore for LeaseLock {
    fn location(&self) -> String {
        format!(
            "lease {} in {}",
            self.name,
            self.cluster.kubectl.namespace()
        )
    }

    fn path(&self) -> String {
        format!("lease {}", self.name)
    }

    fn holder(&self, run: &Run) -> Result<Option<Holder>> {
        Ok(self
            .cluster
            .kubectl
            .get(run, "lease.coordination.k8s.io", &self.name)?
            .map(|l| Self::holder_of(&l)))
    }

    fn try_take(&self, run: &Run, holder: &Holder) -> Result<Found> {
        let now = micro_time(time::OffsetDateTime::now_utc());
        let record = serde_json::to_string(holder).unwrap_or_default();
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": self.name,
                "labels": {"app.kubernetes.io/managed-by": "slipway"},
                "annotations": {HOLDER_ANNOTATION: record},
            },
            "spec": {
                "holderIdentity": holder.id,
                "leaseDurationSeconds": self.ttl.as_secs().clamp(1, i32::MAX as u64),
                "acquireTime": now,
                "renewTime": now,
            },
        });
        // A lease released between our create and our read is taken on the next try.
        for _ in 0..3 {
            match self
                .cluster
                .kubectl
                .write(run, "create", &lease, Mode::Cleanup)?
            {
                Ok(_) => {
                    if holder.operation != "manual" && !run.dry_run {
                        self.start_renewing(&holder.id);
                    }
                    return Ok(Found::Acquired);
                }
                Err(r) if r.is("AlreadyExists") => {
                    if let Some(h) = self.holder(run)? {
                        return Ok(Found::Held(h));
                    }
                }
                Err(r) => {
                    return Err(Error::failed(format!(
                        "cannot take the lock ({}): {}",
                        self.location(),
                        r.message
                    )));
                }
            }
        }
        Ok(Found::Unexpected(
            "was created and deleted again by others three times in a row".into(),
        ))
    }

    fn renew(&self, holder: &Holder) -> std::result::Result<(), crate::shell::RunError> {
        let patch = json!([
            {"op": "test", "path": "/spec/holderIdentity", "value": holder.id},
            {"op": "replace", "path": "/spec/renewTime", "value": micro_time(time::OffsetDateTime::now_utc())},
        ]);
        // A lease released or taken by another run fails the test and is left alone.
        let _ = self
            .cluster
            .kubectl
            .patch_detached("lease", &self.name, &patch);
        Ok(())
    }

    fn remove(&self, run: &Run, id: Option<&str>) -> Result<()> {
        self.stop_renewing(id);
        if let Some(id) = id {
            match self.holder(run)? {
                Some(h) if h.id == id => {}
                _ => return Ok(()),
            }
        }
        self.cluster
            .kubectl
            .delete(run, "lease.coordination.k8s.io", &self.name, Mode::Cleanup)
    }
}

/// The annotation of the Lease holding control record `name` (`control`, `paused`).
pub fn control_annotation(name: &str) -> String {
    format!("slipway.dev/canary-{name}")
}

/// A running canary's control records as annotations of the run's Lease
/// (`slipway.dev/canary-control`, `slipway.dev/canary-paused`): in the cluster, so
/// `deploy promote` and `deploy abort` from any machine or job reach the run, and gone
/// with the Lease when the run ends (no order outlives its canary). A merge patch
/// changes only the annotation, so it never disturbs the holder's renewals.
#[derive(Debug)]
pub struct LeaseControl {
    cluster: Arc<Cluster>,
    name: String,
}

impl LeaseControl {
    /// The control records of `environment`'s Lease.
    pub fn new(cluster: Arc<Cluster>, environment: &str) -> Self {
        Self {
            cluster,
            name: format!("slipway-lock-{environment}"),
        }
    }

    fn annotate(&self, run: &Run, annotations: &Value) -> Result<()> {
        let patch = json!({"metadata": {"annotations": annotations}});
        match self.cluster.kubectl.patch(
            run,
            "lease.coordination.k8s.io",
            &self.name,
            "merge",
            &patch,
            Mode::Cleanup,
        )? {
            Ok(_) => Ok(()),
            Err(r) if r.is("NotFound") => Err(Error::failed(format!(
                "lease {} in {} is gone: no run holds the environment",
                self.name,
                self.cluster.kubectl.namespace()
            ))),
            Err(r) => Err(Error::failed(format!(
                "annotating lease {} in {}: {}",
                self.name,
                self.cluster.kubectl.namespace(),
                r.message
            ))),
        }
    }
}

impl crate::control::ControlStore for LeaseControl {
    fn write(&self, run: &Run, name: &str, json: &str) -> Result<()> {
        self.annotate(run, &json!({control_annotation(name): json}))
    }

    fn read(&self, run: &Run, name: &str) -> Result<Option<String>> {
        Ok(self
            .cluster
            .kubectl
            .get(run, "lease.coordination.k8s.io", &self.name)?
            .and_then(|l| {
                l["metadata"]["annotations"][control_annotation(name)]
                    .as_str()
                    .map(str::to_owned)
            }))
    }

    fn remove(&self, run: &Run, names: &[&str]) -> Result<()> {
        let mut annotations = json!({});
        for n in names {
            annotations[control_annotation(n)] = Value::Null;
        }
        match self.annotate(run, &annotations) {
            // No Lease, no records.
            Err(Error::Failed(m)) if m.contains("is gone") => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_time_is_what_the_api_accepts_and_parses_back() {
        let t = time::macros::datetime!(2026-12-01 09:30:05.123456 UTC);
        let text = micro_time(t);
        assert_eq!(text, "2026-12-01T09:30:05.123456Z");
        assert_eq!(parse_time(&text), Some(t.unix_timestamp() as u64));
    }

    #[test]
    fn a_lease_not_written_by_slipway_names_its_holder() {
        let lease =
            json!({"spec": {"holderIdentity": "argo", "renewTime": "2026-12-01T09:30:05.000000Z"}});
        let h = LeaseLock::holder_of(&lease);
        assert!(h.actor.contains("argo"), "{}", h.actor);
        assert!(h.renewed_epoch.is_some());
    }
}
