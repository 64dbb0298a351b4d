//! Rolling: hosts move to the new version `max_unavailable` at a time. Each batch is
//! taken out of rotation, gets the new version in its standby slot, is health-checked, and
//! goes back into rotation on the new slot; the other hosts keep serving throughout, so
//! never more than `max_unavailable` hosts are out. Smoke tests, hooks and the validation
//! window follow the last batch; a failure anywhere routes every host back to its previous
//! slot in one router change (the previous versions are still running there).

use crate::router::Backend;
use crate::run::{Result, Run};
use crate::strategy::{Deployment, Strategy};

/// The rolling strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rolling;

impl Strategy for Rolling {
    fn name(&self) -> &'static str {
        "rolling"
    }

    fn execute(&self, run: &Run, d: &mut Deployment<'_>) -> Result<()> {
        let hosts: Vec<String> = d.targets.keys().cloned().collect();
        let batch_size = d.env.max_unavailable.max(1);
        let mut done: Vec<String> = Vec::new();
        for batch in hosts.chunks(batch_size) {
            let remaining = serving(d, &hosts, batch, &done);
            let names = batch.join(", ");
            if !remaining.is_empty() && d.before.is_some() {
                d.route(run, &format!("take {names} out of rotation"), remaining)?;
            }
            d.start_and_check(run, batch)?;
            done.extend(batch.iter().cloned());
            let serving_now = serving(d, &hosts, &[], &done);
            d.route(
                run,
                &format!("put {names} back on {}", d.version),
                serving_now,
            )?;
        }
        d.after_switch(run)?;
        d.retire_previous(run)
    }
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
