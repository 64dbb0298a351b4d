//! The Service as the router. A single-slot routing is one selector patch
//! (`slipway.dev/slot: SLOT`, Argo Rollouts' activeService), observed in the Service's
//! endpoints before the switch counts as done; a weighted routing (canary) is a
//! replica-proportional split, as Argo Rollouts does without a mesh: the slots are scaled
//! to their share of the serving replicas (10 % of 10 = 1 canary pod) and the selector
//! spans both. The share actually reached (ready pods behind the Service) is reported,
//! since replicas come in whole pods. In place (rolling) the Deployment's own rolling
//! update moves traffic and there is nothing to switch.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::platform::kubernetes::watch::{self, Check, Watch};
use crate::platform::kubernetes::{
    Cluster, HOST, REPLICAS_ANNOTATION, SLOT_LABEL, replicas, targets, version_of,
};
use crate::router::{Backend, Router, Routing};
use crate::run::{Error, Mode, Result, Run};

/// The Service router.
#[derive(Debug)]
pub struct ServiceRouter {
    cluster: Arc<Cluster>,
}

/// Replica counts for `weights` out of `total`: proportional, every weighted slot at least
/// one pod, the largest share taking the rounding.
pub fn split(total: i64, weights: &[u32]) -> Vec<i64> {
    let sum: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if sum == 0 || weights.is_empty() {
        return vec![0; weights.len()];
    }
    let total = total.max(1);
    let mut counts: Vec<i64> = weights
        .iter()
        .map(|w| {
            if *w == 0 {
                0
            } else {
                ((total as u64 * u64::from(*w)).div_ceil(sum) as i64).max(1)
            }
        })
        .collect();
    // The ceilings may add up to more than total: the largest share gives pods back.
    let largest = (0..weights.len()).max_by_key(|i| weights[*i]).unwrap_or(0);
    let others: i64 = counts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != largest)
        .map(|(_, c)| *c)
        .sum();
    counts[largest] = (total - others).max(1);
    counts
}

impl ServiceRouter {
    /// The router of `cluster`'s Service.
    pub fn new(cluster: Arc<Cluster>) -> Self {
        Self { cluster }
    }

    fn service(&self) -> Option<&str> {
        self.cluster.config.service.as_deref()
    }

    fn backend(&self, slot: &str, version: String, weight: u32) -> Backend {
        Backend {
            host: HOST.to_owned(),
            slot: slot.to_owned(),
            version,
            address: format!("deployment/{}", self.cluster.deployment_name(slot)),
            port: 0,
            weight,
        }
    }

    /// Ready endpoint addresses of the Endpoints object `ep`, counted by slot (from the
    /// pods' names).
    fn endpoints(&self, ep: &Value) -> BTreeMap<String, i64> {
        let mut counts = BTreeMap::new();
        for subset in ep["subsets"].as_array().into_iter().flatten() {
            for address in subset["addresses"].as_array().into_iter().flatten() {
                let pod = address["targetRef"]["name"].as_str().unwrap_or_default();
                let slot = self
                    .cluster
                    .slots
                    .iter()
                    .find(|s| pod.starts_with(&format!("{}-", self.cluster.deployment_name(s))))
                    .cloned()
                    .unwrap_or_else(|| "other".to_owned());
                *counts.entry(slot).or_insert(0) += 1;
            }
        }
        counts
    }

    /// A watch on the Service's endpoints, started before the change it observes (none
    /// under `--dry-run`, which observes nothing).
    fn watch(&self, run: &Run, service: &str) -> Result<Option<Watch>> {
        if run.dry_run {
            return Ok(None);
        }
        Watch::start(&self.cluster.kubectl, "endpoints", service).map(Some)
    }

    /// Waits until the Service's ready endpoints are exactly `want` per slot.
    fn observe(
        &self,
        run: &Run,
        service: &str,
        watch: Option<Watch>,
        want: &BTreeMap<String, i64>,
    ) -> Result<()> {
        if run.dry_run {
            return Ok(());
        }
        let wanted: BTreeMap<String, i64> = want
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| (s.clone(), *n))
            .collect();
        watch::until(
            run,
            &self.cluster.kubectl,
            ("endpoints", service),
            self.cluster.config.switch_timeout.as_std(),
            watch,
            &format!("the switch of service {service}"),
            |ep| {
                let seen = self.endpoints(ep);
                if seen == wanted {
                    Check::Done(())
                } else {
                    Check::Waiting(format!(
                        "it has the endpoints {seen:?}, expected {wanted:?}"
                    ))
                }
            },
        )
    }

    /// One selector patch to `slot`, after the slot holds the serving replicas; an
    /// autoscaler of another slot's Deployment then follows the traffic to this one.
    fn switch(&self, run: &Run, service: &str, slot: &str) -> Result<()> {
        let c = &self.cluster;
        let watch = self.watch(run, service)?;
        let prepared = c.kubectl.prepare_patch(run, "service", service, "merge");
        let snapshot = c.snapshot(run)?;
        let total = c.total_replicas(&snapshot);
        let name = c.deployment_name(slot);
        // Under --dry-run the slot's Deployment may be one this run would have created.
        let have = match snapshot.deployments.get(slot) {
            Some(d) => replicas(d),
            None if run.dry_run => total,
            None => replicas(&c.deployment(run, &name)?),
        };
        let n = have.max(total);
        if have < n || run.dry_run {
            c.scale_and_wait(run, &name, n, Mode::Change)?;
        }
        prepared.patch_ok(
            run,
            &json!({
                "metadata": {"annotations": {REPLICAS_ANNOTATION: n.to_string()}},
                "spec": {"selector": {SLOT_LABEL: slot}},
            }),
            Mode::Change,
        )?;
        self.observe(run, service, watch, &BTreeMap::from([(slot.to_owned(), n)]))?;
        run.capture(&format!(
            "service {service} selects {slot} ({n} ready pods)"
        ));
        for hpa in &snapshot.autoscalers {
            if targets(hpa, &name) {
                continue;
            }
            let hpa_name = hpa["metadata"]["name"].as_str().unwrap_or_default();
            c.kubectl.patch_ok(
                run,
                "horizontalpodautoscaler.autoscaling",
                hpa_name,
                "merge",
                &json!({"spec": {"scaleTargetRef": {"name": name}}}),
                Mode::Change,
            )?;
            run.ui.detail(&format!(
                "horizontalpodautoscaler {hpa_name} now scales deployment {name}"
            ));
        }
        Ok(())
    }

    /// Scales the slots to their share, then one selector patch spanning them. A slot
    /// whose Deployment an autoscaler scales keeps the autoscaler's count (Slipway does
    /// not fight it); the others get their share of that count, as Argo Rollouts scales
    /// a canary from the HPA-managed replicas.
    fn weigh(&self, run: &Run, service: &str, backends: &[Backend]) -> Result<()> {
        let c = &self.cluster;
        let watch = self.watch(run, service)?;
        let prepared = c.kubectl.prepare_patch(run, "service", service, "merge");
        let snapshot = c.snapshot(run)?;
        let total = c.total_replicas(&snapshot);
        let weights: Vec<u32> = backends.iter().map(|b| b.weight).collect();
        let mut counts = split(total, &weights);
        let current: Vec<i64> = backends
            .iter()
            .map(|b| snapshot.replicas(&b.slot))
            .collect();
        let managed: Vec<bool> = backends
            .iter()
            .map(|b| {
                snapshot
                    .autoscaler_of(&c.deployment_name(&b.slot))
                    .is_some()
            })
            .collect();
        for i in 0..backends.len() {
            if managed[i] {
                counts[i] = current[i];
            }
        }
        let mut want = BTreeMap::new();
        // Grow first, then shrink: the serving pods never drop below the total.
        let mut order: Vec<usize> = (0..backends.len()).collect();
        order.sort_by_key(|i| counts[*i] <= current[*i]);
        for i in order {
            let name = c.deployment_name(&backends[i].slot);
            if !managed[i] && (counts[i] != current[i] || run.dry_run) {
                c.scale_and_wait(run, &name, counts[i], Mode::Change)?;
            }
            want.insert(backends[i].slot.clone(), counts[i]);
        }
        prepared.patch_ok(
            run,
            &json!({
                "metadata": {"annotations": {REPLICAS_ANNOTATION: total.to_string()}},
                "spec": {"selector": {SLOT_LABEL: null}},
            }),
            Mode::Change,
        )?;
        self.observe(run, service, watch, &want)?;
        let sum: i64 = want.values().sum();
        let reached = backends
            .iter()
            .map(|b| {
                let n = want.get(&b.slot).copied().unwrap_or(0);
                format!(
                    "{} {}: {n} of {sum} pods ({}%)",
                    b.slot,
                    b.version,
                    if sum == 0 { 0 } else { n * 100 / sum }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        run.ui.detail(&format!("weight reached: {reached}"));
        run.capture(&format!("weight reached: {reached}"));
        Ok(())
    }
}

impl Router for ServiceRouter {
    fn describe(&self) -> String {
        match self.service() {
            Some(s) => format!("service {s} in {}", self.cluster.kubectl.namespace()),
            None => format!(
                "deployment {} in {}",
                self.cluster.config.deployment,
                self.cluster.kubectl.namespace()
            ),
        }
    }

    fn current(&self, run: &Run) -> Result<Option<Routing>> {
        let c = &self.cluster;
        let snapshot = c.snapshot(run)?;
        if c.in_place() || self.service().is_none() {
            let slot = c.slots[0].clone();
            return Ok(snapshot
                .deployments
                .get(&slot)
                .and_then(version_of)
                .map(|v| Routing::new(vec![self.backend(&slot, v, 1)])));
        }
        let service = self.service().unwrap_or_default();
        if snapshot.service.is_none() {
            return Err(Error::failed(format!(
                "service {service} not found in {}: create it first (docs/deploy.md, Kubernetes)",
                c.kubectl.namespace()
            )));
        }
        let selected = snapshot.selected().map(str::to_owned);
        let mut backends = Vec::new();
        for slot in &c.slots {
            if selected.as_ref().is_some_and(|s| s != slot) {
                continue;
            }
            let Some(d) = snapshot.deployments.get(slot) else {
                continue;
            };
            let n = replicas(d);
            if let (Some(v), true) = (version_of(d), n > 0 || selected.is_some()) {
                backends.push(self.backend(slot, v, n.max(1) as u32));
            }
        }
        if backends.is_empty() {
            return Ok(None);
        }
        if backends.len() == 1 {
            backends[0].weight = 1;
        }
        Ok(Some(Routing::new(backends)))
    }

    fn apply(&self, run: &Run, routing: &Routing) -> Result<()> {
        let c = &self.cluster;
        let Some(service) = self.service().filter(|_| !c.in_place()) else {
            run.ui.detail(&format!(
                "the rolling update of deployment {} moved traffic: nothing to switch",
                c.config.deployment
            ));
            return Ok(());
        };
        let weighted: Vec<Backend> = routing
            .backends
            .iter()
            .filter(|b| b.weight > 0)
            .cloned()
            .collect();
        match weighted.as_slice() {
            [] => Err(Error::failed("a routing with no backend")),
            [one] => self.switch(run, service, &one.slot),
            many => self.weigh(run, service, many),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_shares_are_whole_pods_of_the_serving_replicas() {
        // stable 90, canary 10 of 10 replicas: 9 and 1, as Argo Rollouts does.
        assert_eq!(split(10, &[90, 10]), [9, 1]);
        assert_eq!(split(10, &[70, 30]), [7, 3]);
        assert_eq!(split(10, &[50, 50]), [5, 5]);
        // 10 % of 3 replicas is still one pod: the share reached is 33 %.
        assert_eq!(split(3, &[90, 10]), [2, 1]);
        assert_eq!(split(1, &[90, 10]), [1, 1]);
        assert_eq!(split(4, &[0, 1]), [0, 4]);
    }
}
