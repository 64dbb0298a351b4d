//! Waiting for a Deployment's rollout on the API's own fields, as `kubectl rollout status`
//! decides, with a deadline: done when the controller observed the latest generation and
//! every replica is updated and available with no old pod left; failed when the
//! controller reports `ProgressDeadlineExceeded` or the deadline passes. The states come
//! from a watch ([`watch`]), so the end is seen when the controller writes it.

use std::time::Duration;

use serde_json::Value;

use crate::platform::kubernetes::kubectl::Kubectl;
use crate::platform::kubernetes::watch::{self, Check, Watch};
use crate::run::{Result, Run};

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Every replica updated and available.
    Done,
    /// Still moving: why, for messages.
    Waiting(String),
    /// The controller gave up (`ProgressDeadlineExceeded`).
    Failed(String),
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// Where the Deployment `d` (its JSON) stands.
pub fn progress(d: &Value) -> Progress {
    let spec = int(&d["spec"]["replicas"]);
    let status = &d["status"];
    if int(&status["observedGeneration"]) < int(&d["metadata"]["generation"]) {
        return Progress::Waiting("the controller has not seen the change yet".into());
    }
    if let Some(conditions) = status["conditions"].as_array() {
        for c in conditions {
            if c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded" {
                return Progress::Failed(format!(
                    "ProgressDeadlineExceeded: {}",
                    c["message"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    let updated = int(&status["updatedReplicas"]);
    let total = int(&status["replicas"]);
    let available = int(&status["availableReplicas"]);
    if updated < spec {
        return Progress::Waiting(format!("{updated} of {spec} replicas updated"));
    }
    if total > updated {
        return Progress::Waiting(format!(
            "{} old replicas are pending termination",
            total - updated
        ));
    }
    if available < updated {
        return Progress::Waiting(format!(
            "{available} of {updated} updated replicas available"
        ));
    }
    Progress::Done
}

/// The Deployment's `progressDeadlineSeconds` (600 when unset).
pub fn deadline_of(d: &Value) -> Duration {
    Duration::from_secs(d["spec"]["progressDeadlineSeconds"].as_u64().unwrap_or(600))
}

/// The Deployment's `metadata.generation` (0 when absent, as under `--dry-run`).
pub fn generation(d: &Value) -> i64 {
    int(&d["metadata"]["generation"])
}

/// Waits for the rollout of Deployment `name` until `deadline`; returns the Deployment.
/// `watch` is a watch started before the change (then states older than `generation`,
/// the change's, are skipped); without one, a watch starts now. Does not stop on a signal
/// while the run cleans up (an undo must finish).
pub fn wait(
    run: &Run,
    kubectl: &Kubectl,
    name: &str,
    deadline: Duration,
    watch: Option<Watch>,
    generation: i64,
) -> Result<Value> {
    let what = format!("the rollout of deployment {name}");
    watch::until(
        run,
        kubectl,
        ("deployment", name),
        deadline,
        watch,
        &what,
        |d| {
            if d.is_null() {
                return Check::Failed(format!(
                    "deployment {name} in {} disappeared during its rollout",
                    kubectl.namespace()
                ));
            }
            if self::generation(d) < generation {
                return Check::Waiting("the change has not reached the watch yet".into());
            }
            match progress(d) {
                Progress::Done => Check::Done(d.clone()),
                Progress::Failed(why) => Check::Failed(format!("{what} failed: {why}")),
                Progress::Waiting(why) => Check::Waiting(why),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(
        generation: i64,
        observed: i64,
        spec: i64,
        updated: i64,
        total: i64,
        available: i64,
    ) -> Value {
        json!({
            "metadata": {"generation": generation},
            "spec": {"replicas": spec},
            "status": {"observedGeneration": observed, "updatedReplicas": updated,
                "replicas": total, "availableReplicas": available},
        })
    }

    #[test]
    fn a_rollout_is_done_only_when_every_replica_is_new_and_available() {
        assert_eq!(progress(&d(2, 2, 3, 3, 3, 3)), Progress::Done);
        assert!(matches!(
            progress(&d(2, 1, 3, 3, 3, 3)),
            Progress::Waiting(_)
        ));
        assert!(matches!(
            progress(&d(2, 2, 3, 2, 3, 3)),
            Progress::Waiting(_)
        ));
        assert!(
            matches!(progress(&d(2, 2, 3, 3, 4, 3)), Progress::Waiting(w) if w.contains("old"))
        );
        assert!(matches!(
            progress(&d(2, 2, 3, 3, 3, 2)),
            Progress::Waiting(_)
        ));
        assert_eq!(progress(&d(1, 1, 0, 0, 0, 0)), Progress::Done);
    }

    #[test]
    fn the_controllers_deadline_fails_the_rollout() {
        let mut v = d(2, 2, 3, 1, 4, 3);
        v["status"]["conditions"] = json!([{"type": "Progressing", "status": "False",
            "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-1\" has timed out progressing."}]);
        assert!(matches!(progress(&v), Progress::Failed(m) if m.contains("timed out")));
        assert_eq!(deadline_of(&v), Duration::from_secs(600));
    }
}
