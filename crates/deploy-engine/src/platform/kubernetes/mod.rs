//! The `kubernetes` platform: versions run in Deployments, traffic moves through a
//! Service, and the ledger and lock live in the cluster. The strategies are the same as on
//! hosts; this module only implements the platform's primitives and the router's:
//!
//! | strategy | slot | start | route | retire / withdraw |
//! | --- | --- | --- | --- | --- |
//! | rolling | the one Deployment (`deployment`) | image change with a `kubernetes.io/change-cause`, `maxSurge`/`maxUnavailable` on its strategy, rollout wait with a deadline | nothing to switch | withdraw: `rollout undo` to the revision before, waited for |
//! | blue-green | `NAME-blue`, `NAME-green` | new image and the active slot's replicas, fully available; `preview_service` points at it | one Service selector patch (`slipway.dev/slot`), endpoints observed | retire: scale to 0 after `scale_down_delay` |
//! | canary | the same two | as blue-green | replica-proportional split behind one Service spanning both slots; the weight reached is reported | as blue-green |
//!
//! The ledger is the ConfigMap `slipway-ledger-ENV` ([`ledger`]) and the lock the Lease
//! `slipway-lock-ENV` ([`lease`]). The client is kubectl with JSON ([`kubectl`]). A slot's
//! Deployment that does not exist yet is created from the other slot's, with the slot
//! label in its selector and pod template. Pod IPs are never contacted: readiness comes
//! from the API.

pub mod config;
pub mod kubectl;
pub mod lease;
pub mod ledger;
pub mod rollout;
pub mod service;
pub mod watch;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};

pub use config::{HOST, IntOrPercent, KubernetesConfig};
use kubectl::Kubectl;
use watch::Watch;

use crate::config::Environment;
use crate::router::{Backend, Router};
use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Local, Target};

/// The label that tells a slot's pods apart (selector of the slot Deployments and,
/// for blue-green, of the Service).
pub const SLOT_LABEL: &str = "slipway.dev/slot";
/// The pod-template annotation holding the version a ReplicaSet runs.
pub const VERSION_ANNOTATION: &str = "slipway.dev/version";
/// The Service annotation holding the replica count the environment serves with.
pub const REPLICAS_ANNOTATION: &str = "slipway.dev/replicas";
/// What `kubectl rollout history` shows for a revision.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// The Deployment's revision, kept by the controller.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

/// What the platform, the router, the ledger and the lease share.
#[derive(Debug)]
pub struct Cluster {
    /// The client.
    pub kubectl: Kubectl,
    /// The section.
    pub config: KubernetesConfig,
    /// The environment's name.
    pub environment: String,
    /// Slot names; one slot means a version replaces the previous one in place (rolling).
    pub slots: Vec<String>,
    /// `max_surge` for the Deployment's strategy.
    pub max_surge: Option<IntOrPercent>,
    /// `max_unavailable` for the Deployment's strategy.
    pub max_unavailable: Option<IntOrPercent>,
    /// The HorizontalPodAutoscalers that scale a slot's Deployment (their names), listed
    /// once per run.
    autoscalers: OnceLock<Vec<String>>,
    /// The kubectl of the next [`Cluster::snapshot`], started after the previous one.
    next_read: Mutex<Option<kubectl::PreparedRead>>,
}

/// The Service, the slot Deployments and their autoscalers as one `get` read them.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The Service, when configured and present.
    pub service: Option<Value>,
    /// The slots' Deployments that exist, by slot.
    pub deployments: BTreeMap<String, Value>,
    /// HorizontalPodAutoscalers whose target is a slot's Deployment.
    pub autoscalers: Vec<Value>,
}

impl Snapshot {
    /// The slot the Service's selector names, if it names one.
    pub fn selected(&self) -> Option<&str> {
        self.service.as_ref()?["spec"]["selector"][SLOT_LABEL].as_str()
    }

    /// `spec.replicas` of the Deployment of `slot` (0 when it does not exist).
    pub fn replicas(&self, slot: &str) -> i64 {
        self.deployments.get(slot).map_or(0, replicas)
    }

    /// The autoscaler that scales Deployment `name`, if one does.
    pub fn autoscaler_of(&self, name: &str) -> Option<&Value> {
        self.autoscalers.iter().find(|h| targets(h, name))
    }
}

/// Whether the HorizontalPodAutoscaler `hpa` scales Deployment `name`.
pub fn targets(hpa: &Value, name: &str) -> bool {
    let t = &hpa["spec"]["scaleTargetRef"];
    t["kind"] == "Deployment" && t["name"] == name
}

/// The replicas an autoscaler keeps: `status.currentReplicas`, else its minimum (at least 1).
pub fn autoscaled(hpa: &Value) -> i64 {
    hpa["status"]["currentReplicas"]
        .as_i64()
        .filter(|n| *n > 0)
        .unwrap_or_else(|| hpa["spec"]["minReplicas"].as_i64().unwrap_or(1))
        .max(1)
}

impl Cluster {
    /// The cluster side of `env`.
    pub fn new(env: &Environment) -> Self {
        let c = &env.kubernetes;
        Self {
            kubectl: Kubectl::new(
                &c.kubectl,
                c.kubeconfig.as_deref(),
                c.context.as_deref(),
                c.namespace.as_deref(),
            ),
            config: c.clone(),
            environment: env.name.clone(),
            slots: env.slot_names.clone(),
            max_surge: env.kubernetes_max_surge,
            max_unavailable: env.kubernetes_max_unavailable,
            autoscalers: OnceLock::new(),
            next_read: Mutex::new(None),
        }
    }

    /// Whether versions replace each other in one Deployment (rolling).
    pub fn in_place(&self) -> bool {
        self.slots.len() < 2
    }

    /// The Deployment of `slot`.
    pub fn deployment_name(&self, slot: &str) -> String {
        if self.in_place() {
            self.config.deployment.clone()
        } else {
            format!("{}-{slot}", self.config.deployment)
        }
    }

    /// The image of `version`.
    pub fn image(&self, version: &str) -> String {
        self.config.image.replace("{version}", version)
    }

    /// The Deployment `name`, which must exist.
    pub fn deployment(&self, run: &Run, name: &str) -> Result<Value> {
        self.kubectl
            .get(run, "deployment", name)?
            .ok_or_else(|| missing(name, &self.kubectl))
    }

    /// The container whose image changes: `container`, else the only one.
    pub fn container(&self, d: &Value) -> Result<String> {
        let names: Vec<&str> = d["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        let name = d["metadata"]["name"].as_str().unwrap_or_default();
        match &self.config.container {
            Some(c) if names.contains(&c.as_str()) => Ok(c.clone()),
            Some(c) => Err(Error::failed(format!(
                "deployment {name} has no container {c:?} (it has {})",
                names.join(", ")
            ))),
            None if names.len() == 1 => Ok(names[0].to_owned()),
            None => Err(Error::failed(format!(
                "deployment {name} has {} containers ({}): set kubernetes.container",
                names.len(),
                names.join(", ")
            ))),
        }
    }

    /// How long a rollout of `d` may take.
    pub fn rollout_deadline(&self, d: &Value) -> Duration {
        self.config
            .progress_deadline
            .map_or_else(|| rollout::deadline_of(d), slipway_config::Duration::as_std)
    }

    /// The autoscalers of the slot Deployments, listed on first use. A user who may not
    /// list them gets a warning, and the split goes on as if there were none.
    fn autoscaler_names(&self, run: &Run) -> &[String] {
        self.autoscalers.get_or_init(|| {
            let names: Vec<String> = self.slots.iter().map(|s| self.deployment_name(s)).collect();
            match self.kubectl.list(run, "horizontalpodautoscalers.autoscaling", "") {
                Ok(all) => all
                    .iter()
                    .filter(|h| names.iter().any(|n| targets(h, n)))
                    .filter_map(|h| h["metadata"]["name"].as_str().map(str::to_owned))
                    .collect(),
                Err(e) => {
                    run.ui.warn(&format!(
                        "cannot list HorizontalPodAutoscalers ({e}): splitting replicas as if none scaled {}",
                        names.join(" or ")
                    ));
                    Vec::new()
                }
            }
        })
    }

    /// The Service, the slot Deployments and their autoscalers, in one `kubectl get`.
    pub fn snapshot(&self, run: &Run) -> Result<Snapshot> {
        let mut objects: Vec<String> = Vec::new();
        if let Some(s) = &self.config.service {
            objects.push(format!("service/{s}"));
        }
        for slot in &self.slots {
            objects.push(format!("deployment/{}", self.deployment_name(slot)));
        }
        if !self.in_place() {
            for h in self.autoscaler_names(run) {
                objects.push(format!("horizontalpodautoscaler.autoscaling/{h}"));
            }
        }
        // The kubectl started after the previous snapshot reads this one; the next one's
        // starts now, so its start-up is off the next step's critical path.
        let prepared = self
            .next_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| self.kubectl.prepare_read());
        let read = prepared.read(run, &objects);
        *self
            .next_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(self.kubectl.prepare_read());
        let mut snapshot = Snapshot::default();
        for object in read? {
            let name = object["metadata"]["name"].as_str().unwrap_or_default();
            match object["kind"].as_str() {
                Some("Service") => snapshot.service = Some(object),
                Some("Deployment") => {
                    if let Some(slot) = self.slots.iter().find(|s| self.deployment_name(s) == name)
                    {
                        snapshot.deployments.insert(slot.clone(), object);
                    }
                }
                Some("HorizontalPodAutoscaler") => snapshot.autoscalers.push(object),
                _ => {}
            }
        }
        Ok(snapshot)
    }

    /// The replicas the environment serves with: what an autoscaler of a slot keeps (it
    /// owns the count: Slipway follows it, never fights it), else those of the slot the
    /// Service selects, else the count recorded on the Service, else the largest slot's;
    /// at least 1.
    pub fn total_replicas(&self, snapshot: &Snapshot) -> i64 {
        if let Some(n) = snapshot.autoscalers.first().map(autoscaled) {
            return n;
        }
        if let Some(slot) = snapshot.selected() {
            let n = snapshot.replicas(slot);
            if n > 0 {
                return n;
            }
        }
        let recorded = snapshot.service.as_ref().and_then(|svc| {
            svc["metadata"]["annotations"][REPLICAS_ANNOTATION]
                .as_str()
                .and_then(|n| n.parse::<i64>().ok())
        });
        if let Some(n) = recorded {
            return n.max(1);
        }
        self.slots
            .iter()
            .map(|s| snapshot.replicas(s))
            .max()
            .unwrap_or(0)
            .max(1)
    }

    /// Scales Deployment `name` to `n` replicas.
    pub fn scale(&self, run: &Run, name: &str, n: i64, mode: Mode) -> Result<()> {
        self.kubectl
            .patch_ok(
                run,
                "deployment",
                name,
                "merge",
                &json!({"spec": {"replicas": n}}),
                mode,
            )
            .map(|_| ())
    }

    /// Scales `name` to `n` and waits until its rollout is done (not under `--dry-run`).
    /// The watch starts before the change, so the wait ends when the controller is done.
    pub fn scale_and_wait(&self, run: &Run, name: &str, n: i64, mode: Mode) -> Result<Value> {
        self.patch_and_wait(run, name, &json!({"spec": {"replicas": n}}), "merge", mode)
    }

    /// Patches Deployment `name` and waits for its rollout, watching from before the patch;
    /// the patch's answer gives the generation to wait for and the rollout deadline.
    pub fn patch_and_wait(
        &self,
        run: &Run,
        name: &str,
        patch: &Value,
        patch_type: &str,
        mode: Mode,
    ) -> Result<Value> {
        let watch = if run.dry_run {
            None
        } else {
            Some(Watch::start(&self.kubectl, "deployment", name)?)
        };
        let d = self
            .kubectl
            .prepare_patch(run, "deployment", name, patch_type)
            .patch_ok(run, patch, mode)?;
        if run.dry_run {
            return Ok(d);
        }
        rollout::wait(
            run,
            &self.kubectl,
            name,
            self.rollout_deadline(&d),
            watch,
            rollout::generation(&d),
        )
    }
}

fn missing(name: &str, kubectl: &Kubectl) -> Error {
    Error::failed(format!(
        "deployment {name} not found in {}: create it first (docs/deploy.md, Kubernetes)",
        kubectl.namespace()
    ))
}

/// The revision of a ReplicaSet of Deployment `d` among `sets` whose pods ran `version`,
/// the newest.
pub fn revision_running(d: &Value, sets: &[Value], version: &str) -> Option<u64> {
    let name = d["metadata"]["name"].as_str().unwrap_or_default();
    let uid = &d["metadata"]["uid"];
    sets.iter()
        .filter(|rs| {
            rs["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|o| {
                    o["kind"] == "Deployment"
                        && o["name"] == name
                        && (uid.is_null() || o["uid"] == *uid)
                })
        })
        .filter(|rs| version_of(rs).as_deref() == Some(version))
        .filter_map(revision)
        .max()
}

/// `spec.replicas` of a Deployment (1 when unset, as the API defaults it).
pub fn replicas(d: &Value) -> i64 {
    d["spec"]["replicas"].as_i64().unwrap_or(1)
}

/// The version the pod template of `d` (a Deployment or a ReplicaSet) runs.
pub fn version_of(d: &Value) -> Option<String> {
    d["spec"]["template"]["metadata"]["annotations"][VERSION_ANNOTATION]
        .as_str()
        .map(str::to_owned)
}

/// The revision of a Deployment or ReplicaSet.
pub fn revision(d: &Value) -> Option<u64> {
    d["metadata"]["annotations"][REVISION_ANNOTATION]
        .as_str()
        .and_then(|r| r.parse().ok())
}

/// `k=v,k=v` of a label map.
pub fn selector_string(labels: &Value) -> String {
    labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The `kubernetes.io/change-cause` of a change to `version`.
pub fn change_cause(version: &str) -> String {
    let mut cause = format!("slipway: {version} by {}", crate::lock::actor());
    if let Some(url) = slipway_kit::GithubContext::from_env().run_url() {
        let _ = write!(cause, " ({url})");
    }
    cause
}

/// The `kubernetes` platform.
pub struct KubePlatform {
    cluster: Arc<Cluster>,
    history: usize,
    lock_ttl: Duration,
    keep_previous: bool,
    /// The revision that served before this run's in-place change (what `withdraw` undoes to).
    prior: Mutex<Option<u64>>,
}

impl std::fmt::Debug for KubePlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubePlatform")
            .field("deployment", &self.cluster.config.deployment)
            .finish_non_exhaustive()
    }
}

impl KubePlatform {
    /// The platform of `env`.
    pub fn new(env: &Environment) -> Self {
        Self {
            cluster: Arc::new(Cluster::new(env)),
            history: env.history,
            lock_ttl: env.lock_ttl,
            keep_previous: env.keep_previous,
            prior: Mutex::new(None),
        }
    }

    /// What the platform shares with its router, ledger and lease.
    pub fn cluster(&self) -> Arc<Cluster> {
        Arc::clone(&self.cluster)
    }

    fn prior(&self) -> Option<u64> {
        *self
            .prior
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// In place: the new image (or `rollout undo` to a revision that ran `version`), the
    /// strategy's surge settings, then the rollout wait. The watch and the patch's kubectl
    /// start first; one read lists the Deployments and ReplicaSets meanwhile, so the
    /// three kubectl calls run side by side, before the change.
    fn roll(&self, run: &Run, version: &str) -> Result<()> {
        let c = &self.cluster;
        let name = c.deployment_name("");
        let watch = Watch::start(&c.kubectl, "deployment", &name)?;
        let prepared = c
            .kubectl
            .prepare_patch(run, "deployment", &name, "strategic");
        let (deployments, sets): (Vec<Value>, Vec<Value>) = c
            .kubectl
            .list(run, "deployments,replicasets", "")?
            .into_iter()
            .partition(|o| o["kind"] == "Deployment");
        let d = deployments
            .into_iter()
            .find(|o| o["metadata"]["name"] == name.as_str())
            .ok_or_else(|| missing(&name, &c.kubectl))?;
        let container = c.container(&d)?;
        *self
            .prior
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = revision(&d);
        let mut spec = json!({});
        if c.max_surge.is_some() || c.max_unavailable.is_some() {
            let mut rolling = json!({});
            if let Some(s) = c.max_surge {
                rolling["maxSurge"] = s.to_json();
            }
            if let Some(u) = c.max_unavailable {
                rolling["maxUnavailable"] = u.to_json();
            }
            spec["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": rolling});
        }
        let annotations = json!({CHANGE_CAUSE: change_cause(version), VERSION_ANNOTATION: version});
        let earlier = if version_of(&d).as_deref() == Some(version) {
            None
        } else {
            revision_running(&d, &sets, version)
        };
        if let Some(rev) = earlier {
            run.ui.detail(&format!(
                "revision {rev} of deployment {name} ran {version}: rolling back to it"
            ));
            c.kubectl.rollout_undo(run, &name, rev, Mode::Change)?;
        } else {
            spec["template"] = json!({
                "metadata": {"annotations": {VERSION_ANNOTATION: version}},
                "spec": {"containers": [{"name": container, "image": c.image(version)}]},
            });
        }
        let patched = prepared.patch_ok(
            run,
            &json!({"metadata": {"annotations": annotations}, "spec": spec}),
            Mode::Change,
        )?;
        if run.dry_run {
            return Ok(());
        }
        rollout::wait(
            run,
            &c.kubectl,
            &name,
            c.rollout_deadline(&patched),
            Some(watch),
            rollout::generation(&patched),
        )
        .map(|_| ())
    }

    /// Slotted: the slot's Deployment (created from the other slot's when missing) gets the
    /// new image and the serving replica count, and must be fully available.
    fn start_slot(&self, run: &Run, slot: &str, version: &str) -> Result<()> {
        let c = &self.cluster;
        let name = c.deployment_name(slot);
        let snapshot = c.snapshot(run)?;
        let d = match snapshot.deployments.get(slot) {
            Some(d) => d.clone(),
            None => self.create_slot(run, slot, &snapshot)?,
        };
        if !run.dry_run && d["spec"]["selector"]["matchLabels"][SLOT_LABEL] != slot {
            return Err(Error::BadInput(
                slipway_kit::Failure::bad_input(format!(
                    "deployment {name} in {}: its selector and pod labels need {SLOT_LABEL}: {slot}",
                    c.kubectl.namespace()
                ))
                .help("see docs/deploy.md, Kubernetes: the slot Deployments"),
            ));
        }
        let container = if run.dry_run && d.is_null() {
            "app".to_owned()
        } else {
            c.container(&d)?
        };
        let total = c.total_replicas(&snapshot);
        c.patch_and_wait(
            run,
            &name,
            &json!({
                "metadata": {"annotations": {CHANGE_CAUSE: change_cause(version), VERSION_ANNOTATION: version}},
                "spec": {
                    "replicas": total,
                    "template": {
                        "metadata": {"annotations": {VERSION_ANNOTATION: version}},
                        "spec": {"containers": [{"name": container, "image": c.image(version)}]},
                    },
                },
            }),
            "strategic",
            Mode::Change,
        )?;
        if let Some(preview) = &c.config.preview_service {
            c.kubectl.patch_ok(
                run,
                "service",
                preview,
                "merge",
                &json!({"spec": {"selector": {SLOT_LABEL: slot}}}),
                Mode::Change,
            )?;
            run.ui
                .detail(&format!("preview service {preview} now selects {slot}"));
        }
        Ok(())
    }

    /// Creates the Deployment of `slot` from the other slot's, at 0 replicas.
    fn create_slot(&self, run: &Run, slot: &str, snapshot: &Snapshot) -> Result<Value> {
        let c = &self.cluster;
        let name = c.deployment_name(slot);
        let other = c
            .slots
            .iter()
            .find(|s| s.as_str() != slot)
            .cloned()
            .unwrap_or_default();
        let source = snapshot.deployments.get(&other).ok_or_else(|| {
                Error::failed(format!(
                    "neither deployment {name} nor {} exists in {}: create {} first (docs/deploy.md, Kubernetes)",
                    c.deployment_name(&other),
                    c.kubectl.namespace(),
                    c.deployment_name(&c.slots[0])
                ))
            })?;
        let mut spec = source["spec"].clone();
        spec["replicas"] = json!(0);
        spec["selector"]["matchLabels"][SLOT_LABEL] = json!(slot);
        spec["template"]["metadata"]["labels"][SLOT_LABEL] = json!(slot);
        let object = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": source["metadata"]["labels"].clone()},
            "spec": spec,
        });
        run.ui.detail(&format!(
            "creating deployment {name} from {}",
            c.deployment_name(&other)
        ));
        c.kubectl
            .write(run, "create", &object, Mode::Change)?
            .map_err(|r| Error::failed(format!("creating deployment {name}: {}", r.message)))
    }
}

impl crate::platform::Platform for KubePlatform {
    fn hosts(&self) -> Vec<String> {
        vec![HOST.to_owned()]
    }

    fn primary(&self) -> Arc<dyn Target> {
        Arc::new(Local)
    }

    fn start(&self, run: &Run, _host: &str, slot: &str, version: &str) -> Result<()> {
        if self.cluster.in_place() {
            self.roll(run, version)
        } else {
            self.start_slot(run, slot, version)
        }
    }

    fn stop(&self, run: &Run, _host: &str, slot: &str, _version: &str) -> Result<()> {
        if self.cluster.in_place() {
            return Ok(());
        }
        let c = &self.cluster;
        let name = c.deployment_name(slot);
        if c.kubectl.get(run, "deployment", &name)?.is_none() {
            return Ok(());
        }
        c.scale(run, &name, 0, Mode::Cleanup)
    }

    fn backend(&self, host: &str, slot: &str, version: &str) -> Backend {
        Backend {
            host: host.to_owned(),
            slot: slot.to_owned(),
            version: version.to_owned(),
            address: format!("deployment/{}", self.cluster.deployment_name(slot)),
            port: 0,
            weight: 1,
        }
    }

    fn checks_health(&self) -> bool {
        true
    }

    fn prepare(&self, _run: &Run, _host: &str, _slot: &str, _version: &str) -> Result<()> {
        // The slot's Deployment is changed in place by `start`: nothing to clean.
        Ok(())
    }

    fn withdraw(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        if !self.cluster.in_place() {
            return self.stop(run, host, slot, version);
        }
        let c = &self.cluster;
        let name = c.deployment_name(slot);
        let Some(prior) = self.prior() else {
            return Err(Error::failed(format!(
                "deployment {name} had no revision before {version}: nothing to undo to"
            )));
        };
        c.kubectl.rollout_undo(run, &name, prior, Mode::Cleanup)?;
        if run.dry_run {
            return Ok(());
        }
        // Watched from after the undo: its first state already carries the undo.
        let d = c.deployment(run, &name)?;
        rollout::wait(run, &c.kubectl, &name, c.rollout_deadline(&d), None, 0)
            .map(|_| ())
            .map_err(|e| Error::failed(format!("undoing {version}: {e}")))
    }

    fn retire(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        let delay = self.cluster.config.scale_down_delay.as_std();
        if self.keep_previous && !delay.is_zero() && !run.dry_run {
            run.ui.detail(&format!(
                "keeping {slot} ({version}) for {}s for a fast rollback (scale_down_delay)",
                delay.as_secs_f64()
            ));
            // A signal ends the wait early: the new version serves, the old slot can go.
            let _ = run.cancel.sleep(delay);
        }
        self.stop(run, host, slot, version)
    }

    fn scale_down_delay(&self) -> Option<Duration> {
        (!self.cluster.in_place()).then(|| self.cluster.config.scale_down_delay.as_std())
    }

    fn wake(&self, run: &Run, _host: &str, slot: &str, version: &str) -> Result<bool> {
        let c = &self.cluster;
        let name = c.deployment_name(slot);
        let snapshot = c.snapshot(run)?;
        let d = snapshot
            .deployments
            .get(slot)
            .ok_or_else(|| missing(&name, &c.kubectl))?;
        if version_of(d).as_deref() != Some(version) {
            return Err(Error::failed(format!(
                "deployment {name} runs {} now, not {version}",
                version_of(d).unwrap_or_else(|| "an unknown version".into())
            )));
        }
        let n = c.total_replicas(&snapshot).max(replicas(d));
        run.step(&format!("scale {name} back to {n} replicas"), || {
            c.scale_and_wait(run, &name, n, Mode::Change)
        })?;
        Ok(true)
    }

    fn ledger_store(&self, env: &Environment) -> Arc<dyn crate::ledger::LedgerStore> {
        Arc::new(ledger::ConfigMapLedger::new(
            self.cluster(),
            &env.name,
            self.history,
        ))
    }

    fn lock_store(&self, env: &Environment) -> Arc<dyn crate::lock::LockStore> {
        Arc::new(lease::LeaseLock::new(
            self.cluster(),
            &env.name,
            self.lock_ttl,
        ))
    }

    fn control_store(&self, env: &Environment) -> Arc<dyn crate::control::ControlStore> {
        Arc::new(lease::LeaseControl::new(self.cluster(), &env.name))
    }

    fn own_router(&self) -> Option<Box<dyn Router>> {
        Some(Box::new(service::ServiceRouter::new(self.cluster())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_versions_are_read_from_the_api_objects() {
        let d = json!({
            "metadata": {"annotations": {REVISION_ANNOTATION: "4"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", SLOT_LABEL: "blue"}},
                "template": {"metadata": {"annotations": {VERSION_ANNOTATION: "v2"}}}},
        });
        assert_eq!(revision(&d), Some(4));
        assert_eq!(version_of(&d).as_deref(), Some("v2"));
        assert_eq!(replicas(&d), 3);
        assert_eq!(
            selector_string(&d["spec"]["selector"]["matchLabels"]),
            "app=web,slipway.dev/slot=blue"
        );
        assert_eq!(replicas(&json!({"spec": {}})), 1);
    }
}
