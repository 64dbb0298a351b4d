//! How traffic moves between slots. A [`Routing`] is the whole picture (every backend
//! with its host, slot, version and weight); a [`Router`] applies one and returns only
//! once the change is observed, and reads back what is in force. Strategies only build
//! routings, so other routers (HAProxy's runtime API) and weighted canary routings fit
//! without changing them.

use serde::{Deserialize, Serialize};

use crate::run::{Result, Run};

/// One server behind the router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    /// Host name (config).
    pub host: String,
    /// Slot on that host.
    pub slot: String,
    /// Version running there.
    pub version: String,
    /// Address the router connects to.
    pub address: String,
    /// Port of the slot.
    pub port: u16,
    /// Share of traffic relative to the others (1 for an even split).
    pub weight: u32,
}

impl Backend {
    /// `version` in `slot` on `host`, at an even weight.
    pub fn of(host: &crate::config::Host, slot: &str, version: &str) -> Self {
        Self {
            host: host.name.clone(),
            slot: slot.to_owned(),
            version: version.to_owned(),
            address: host.address.clone(),
            port: host.port(slot),
            weight: 1,
        }
    }
}

/// Everything the router sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    /// A unique id of this routing, to observe it through the router.
    pub generation: String,
    /// Backends; never empty.
    pub backends: Vec<Backend>,
}

impl Routing {
    /// A routing with a fresh generation id.
    pub fn new(backends: Vec<Backend>) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Self {
            generation: format!("g{nanos:x}"),
            backends,
        }
    }

    /// The one version every backend runs, if they agree.
    pub fn single_version(&self) -> Option<&str> {
        let first = self.backends.first()?;
        self.backends
            .iter()
            .all(|b| b.version == first.version)
            .then_some(first.version.as_str())
    }

    /// The one slot every backend uses, if they agree.
    pub fn single_slot(&self) -> Option<&str> {
        let first = self.backends.first()?;
        self.backends
            .iter()
            .all(|b| b.slot == first.slot)
            .then_some(first.slot.as_str())
    }

    /// One line for logs: `local/green v2, web2/blue v1`.
    pub fn describe(&self) -> String {
        self.backends
            .iter()
            .map(|b| {
                format!(
                    "{}/{} {} ({}:{})",
                    b.host, b.slot, b.version, b.address, b.port
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Moves traffic.
pub trait Router: Send + Sync {
    /// A name for logs (`nginx on web1`).
    fn describe(&self) -> String;

    /// What the router points at now, if this engine wrote it.
    fn current(&self, run: &Run) -> Result<Option<Routing>>;

    /// Applies `routing` and waits until it is observed (or fails, leaving the previous
    /// routing in force where it can).
    fn apply(&self, run: &Run, routing: &Routing) -> Result<()>;
}

/// No router: traffic reaches the slots directly (single-slot setups).
#[derive(Debug, Default)]
pub struct NoRouter;

impl Router for NoRouter {
    fn describe(&self) -> String {
        "no router".to_owned()
    }

    fn current(&self, _run: &Run) -> Result<Option<Routing>> {
        Ok(None)
    }

    fn apply(&self, run: &Run, routing: &Routing) -> Result<()> {
        run.ui.detail(&format!(
            "no router to change; serving {}",
            routing.describe()
        ));
        Ok(())
    }
}
