//! Blue-green: start the new version in the standby slot on every host, health-check it,
//! switch all traffic in one router change, then smoke tests, post-switch hooks and the
//! validation window on the new slot. The previous slot stays running, idle, for a fast
//! rollback unless `keep_previous = false`.

use crate::run::{Result, Run};
use crate::strategy::{Deployment, Strategy};

/// The blue-green strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlueGreen;

impl Strategy for BlueGreen {
    fn name(&self) -> &'static str {
        "blue-green"
    }

    fn execute(&self, run: &Run, d: &mut Deployment<'_>) -> Result<()> {
        let hosts: Vec<String> = d.targets.keys().cloned().collect();
        d.start_and_check(run, &hosts)?;
        d.smoke_before_switch(run)?;
        let backends = hosts.iter().map(|h| d.new_backend(h)).collect();
        let slot = d.slot().unwrap_or("the new slots").to_owned();
        d.route(
            run,
            &format!("switch traffic to {} ({slot})", d.version),
            backends,
        )?;
        d.after_switch(run)?;
        d.retire_previous(run)
    }
}
