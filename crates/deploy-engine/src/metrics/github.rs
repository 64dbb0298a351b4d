//! History older than the ledger from GitHub Deployments (Slipway mirrors every run there,
//! see [`crate::deployments`]): each deployment becomes a ledger entry. Its kind and version
//! come from the payload Slipway wrote (`kind`, `version`; else `deploy` and the ref), its
//! commit from `sha`, its start from `created_at`, its end and outcome from the earliest
//! `success`, `failure` or `error` status (`inactive` comes after a success). GitHub does not
//! say whether a failed run moved traffic, so such runs count as deploy runs that failed
//! before the switch: they lower the success rate but are not failed deployments.

use serde_json::Value;

use crate::ledger::{Entry, Status};

/// The entry for one deployment and its statuses (newest first, as GitHub lists them);
/// `None` while it has not ended.
pub fn entry(deployment: &Value, statuses: &[Value]) -> Option<Entry> {
    let id = deployment["id"].as_u64()?;
    let git_ref = deployment["ref"].as_str().unwrap_or_default();
    let payload = &deployment["payload"];
    let kind = match payload["kind"].as_str() {
        Some("rollback" | "emergency") => "rollback",
        _ => "deploy",
    };
    let end = statuses
        .iter()
        .rev()
        .find(|s| matches!(s["state"].as_str(), Some("success" | "failure" | "error")))?;
    let status = if end["state"] == "success" {
        Status::Succeeded
    } else {
        Status::RolledBack
    };
    Some(Entry {
        id: format!("github-{id}"),
        kind: kind.to_owned(),
        version: payload["version"].as_str().unwrap_or(git_ref).to_owned(),
        previous: payload["previous"].as_str().map(str::to_owned),
        slot: payload["slot"].as_str().unwrap_or("unknown").to_owned(),
        strategy: payload["strategy"].as_str().unwrap_or("unknown").to_owned(),
        status,
        started_at: deployment["created_at"].as_str()?.to_owned(),
        finished_at: Some(
            end["created_at"]
                .as_str()
                .or_else(|| end["updated_at"].as_str())?
                .to_owned(),
        ),
        actor: deployment["creator"]["login"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned(),
        commit: deployment["sha"].as_str().map(str::to_owned),
        switched_at: None,
        run_url: end["log_url"].as_str().map(str::to_owned),
        reason: end["description"].as_str().map(str::to_owned),
    })
}

/// The entries GitHub holds that started before `oldest` (RFC 3339, the ledger's oldest
/// start; all of them when the ledger is empty).
pub fn older_than(runs: &[(Value, Vec<Value>)], oldest: Option<&str>) -> Vec<Entry> {
    let oldest = oldest.and_then(super::window::parse_rfc3339);
    runs.iter()
        .filter_map(|(d, s)| entry(d, s))
        .filter(|e| {
            oldest
                .is_none_or(|o| super::window::parse_rfc3339(&e.started_at).is_some_and(|t| t < o))
        })
        .collect()
}
