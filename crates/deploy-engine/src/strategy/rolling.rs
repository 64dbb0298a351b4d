//! Rolling: hosts move to the new version in batches, with `max_surge` and
//! `max_unavailable` as Kubernetes defines them for a Deployment, in absolute numbers of
//! hosts:
//!
//! - `max_unavailable` hosts of each batch are taken out of rotation before their new
//!   version starts: the router serves from the other hosts meanwhile;
//! - `max_surge` hosts of each batch keep serving their old version while the new one
//!   starts beside it in the standby slot, and are switched over in one router change
//!   once it is healthy.
//!
//! A batch is `max_surge + max_unavailable` hosts, so the router never has fewer than
//! `hosts - max_unavailable` healthy backends: `max_unavailable = 0` with `max_surge >= 1`
//! keeps every host serving until its replacement is healthy. When `[analysis]` is
//! configured, each batch is analysed for `batch_window` once it serves, with its health
//! watched beside the analysis as in a validation window. Smoke tests,
//! hooks and the validation window follow the last batch; a failure anywhere routes every
//! host back to its previous slot in one router change (the previous versions are still
//! running there).

use crate::router::Backend;
use crate::run::{Result, Run};
use crate::strategy::{Deployment, Strategy};

/// The rolling strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rolling;

/// One batch of a rolling deploy: `out` hosts leave the rotation first, `surge` hosts
/// keep serving while their new version starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Hosts taken out of rotation before their new version starts.
    pub out: Vec<String>,
    /// Hosts that keep serving their old version until the new one is healthy.
    pub surge: Vec<String>,
}

impl Batch {
    /// Every host of the batch, out of rotation first.
    pub fn hosts(&self) -> Vec<String> {
        self.out.iter().chain(&self.surge).cloned().collect()
    }
}

/// Cuts `hosts` into batches of `max_surge + max_unavailable` (at least one host), each
/// taking its first `max_unavailable` hosts out of rotation.
pub fn batches(hosts: &[String], max_surge: usize, max_unavailable: usize) -> Vec<Batch> {
    let size = (max_surge + max_unavailable).max(1);
    hosts
        .chunks(size)
        .map(|chunk| {
            let (out, surge) = chunk.split_at(max_unavailable.min(chunk.len()));
            Batch {
                out: out.to_vec(),
                surge: surge.to_vec(),
            }
        })
        .collect()
}

impl Strategy for Rolling {
    fn name(&self) -> &'static str {
        "rolling"
    }

    fn execute(&self, run: &Run, d: &mut Deployment<'_>) -> Result<()> {
        let hosts: Vec<String> = d.targets.keys().cloned().collect();
        let mut done: Vec<String> = Vec::new();
        for batch in batches(&hosts, d.env.max_surge, d.env.max_unavailable) {
            let members = batch.hosts();
            let names = members.join(", ");
            if !batch.out.is_empty() && d.before.is_some() {
                let remaining = serving(d, &hosts, &batch.out, &done);
                if !remaining.is_empty() {
                    d.route(
                        run,
                        &format!("take {} out of rotation", batch.out.join(", ")),
                        remaining,
                    )?;
                }
            }
            d.start_and_check(run, &members)?;
            done.extend(members.iter().cloned());
            let name = if batch.surge.is_empty() {
                format!("put {names} back on {}", d.version)
            } else {
                format!("move {names} to {}", d.version)
            };
            d.route(run, &name, serving(d, &hosts, &[], &done))?;
            analyse_batch(run, d, &members)?;
        }
        d.after_switch(run)?;
        d.retire_previous(run)
    }
}

/// Analyses the new version on `members` for `batch_window`, when `[analysis]` is set,
/// watching their health beside it (the first of the two to fail fails the batch).
fn analyse_batch(run: &Run, d: &Deployment<'_>, members: &[String]) -> Result<()> {
    if !d.env.analysis_configured || !d.checks.after_switch || d.env.batch_window.is_zero() {
        return Ok(());
    }
    let backends: Vec<Backend> = members.iter().map(|h| d.new_backend(h)).collect();
    run.step(
        &format!(
            "analysis of {} ({}s)",
            members.join(", "),
            d.env.batch_window.as_secs_f64()
        ),
        || super::validation::watch(run, d, &backends, d.env.batch_window),
    )
}

/// The backends while `excluded` are out: finished hosts on the new slot, the others on their old one.
fn serving(
    d: &Deployment<'_>,
    hosts: &[String],
    excluded: &[String],
    done: &[String],
) -> Vec<Backend> {
    hosts
        .iter()
        .filter(|h| !excluded.contains(h))
        .filter_map(|h| {
            if done.contains(h) {
                Some(d.new_backend(h))
            } else {
                d.old_backend(h)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("h{i}")).collect()
    }

    #[test]
    fn surge_without_unavailable_takes_no_host_out() {
        let plan = batches(&hosts(3), 1, 0);
        assert_eq!(plan.len(), 3);
        assert!(plan.iter().all(|b| b.out.is_empty() && b.surge.len() == 1));
    }

    #[test]
    fn a_batch_is_surge_plus_unavailable_with_the_unavailable_out_first() {
        let plan = batches(&hosts(5), 1, 2);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].out, ["h1", "h2"]);
        assert_eq!(plan[0].surge, ["h3"]);
        assert_eq!(plan[1].out, ["h4", "h5"]);
        assert!(plan[1].surge.is_empty());
        assert_eq!(plan[0].hosts(), ["h1", "h2", "h3"]);
    }

    #[test]
    fn unavailable_only_is_the_classic_rolling() {
        let plan = batches(&hosts(3), 0, 1);
        assert_eq!(plan.len(), 3);
        assert!(plan.iter().all(|b| b.out.len() == 1 && b.surge.is_empty()));
    }
}
