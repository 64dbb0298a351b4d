//! The validation window after the switch: the new slots' health is watched and, when an
//! `[analysis]` section is configured, the same analysis as a canary step runs beside it
//! through the whole window ([`crate::analysis::analyse`]). The first of the two to fail
//! ends the other at once and fails the window, so traffic goes back without waiting for
//! the window's end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::analysis::{self, Subject};
use crate::check::Health;
use crate::router::Backend;
use crate::run::{Error, Result, Run};
use crate::strategy::Deployment;

/// Watches `backends` for `window`: health always, analysis when configured.
pub fn watch(run: &Run, d: &Deployment<'_>, backends: &[Backend], window: Duration) -> Result<()> {
    let health = Health::new(&d.env.health, &d.env.name);
    if !d.env.analysis_configured {
        return health.watch(run, backends, window);
    }
    let subject = Subject {
        environment: &d.env.name,
        version: &d.version,
        backends,
    };
    let failed = AtomicBool::new(false);
    let (health_result, analysis_result) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let result =
                health.watch_while(run, backends, window, &|| !failed.load(Ordering::SeqCst));
            if result.is_err() {
                failed.store(true, Ordering::SeqCst);
            }
            result
        });
        let interrupt = || -> Result<()> {
            run.checkpoint()?;
            if failed.load(Ordering::SeqCst) {
                // The health watch failed: its error is the one reported.
                return Err(Error::failed("the health check failed"));
            }
            Ok(())
        };
        let analysed = analysis::analyse(run, &d.env.analysis, &subject, window, &interrupt);
        if analysed.is_err() {
            failed.store(true, Ordering::SeqCst);
        }
        let watched = watcher
            .join()
            .unwrap_or_else(|_| Err(Error::failed("the health watch panicked")));
        (watched, analysed)
    });
    // A signal first, then whichever check failed on its own.
    match (health_result, analysis_result) {
        (Err(Error::Cancelled), _) | (_, Err(Error::Cancelled)) => Err(Error::Cancelled),
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(_)) => Ok(()),
    }
}
