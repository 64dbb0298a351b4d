//! Waiting for a Deployment's rollout on the API's own fields, as `kubectl rollout status`
//! decides, with a deadline: done when the controller observed the latest generation and
//! every replica is updated and available with no old pod left; failed when the
//! controller reports `ProgressDeadlineExceeded` or the deadline passes.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::platform::kubernetes::kubectl::Kubectl;
use crate::run::{Error, Result, Run};

/// How often the Deployment is read while waiting.
pub const POLL: Duration = Duration::from_millis(200);

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

/// Waits for the rollout of Deployment `name` until `deadline`; returns the Deployment.
/// Does not stop on a signal while the run cleans up (an undo must finish).
pub fn wait(run: &Run, kubectl: &Kubectl, name: &str, deadline: Duration) -> Result<Value> {
    let until = Instant::now() + deadline;
    loop {
        let d = kubectl.get(run, "deployment", name)?.ok_or_else(|| {
            Error::failed(format!(
                "deployment {name} in {} disappeared during its rollout",
                kubectl.namespace()
            ))
        })?;
        let why = match progress(&d) {
            Progress::Done => return Ok(d),
            Progress::Failed(why) => {
                return Err(Error::failed(format!(
                    "the rollout of deployment {name} failed: {why}"
                )));
            }
            Progress::Waiting(why) => why,
        };
        if Instant::now() >= until {
            return Err(Error::failed(format!(
                "the rollout of deployment {name} did not finish within {}s: {why}",
                deadline.as_secs()
            )));
        }
        run.checkpoint()?;
        std::thread::sleep(POLL);
    }
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
