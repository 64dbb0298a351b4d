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
use std::time::Instant;

use serde_json::json;

use crate::platform::kubernetes::{
    Cluster, HOST, REPLICAS_ANNOTATION, SLOT_LABEL, replicas, rollout, version_of,
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

    /// Ready endpoint addresses of the Service, counted by slot (from the pods' names).
    fn endpoints(&self, run: &Run, service: &str) -> Result<BTreeMap<String, i64>> {
        let mut counts = BTreeMap::new();
        let Some(ep) = self.cluster.kubectl.get(run, "endpoints", service)? else {
            return Ok(counts);
        };
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
        Ok(counts)
    }

    /// Waits until the Service's ready endpoints are exactly `want` per slot.
    fn observe(&self, run: &Run, service: &str, want: &BTreeMap<String, i64>) -> Result<()> {
        if run.dry_run {
            return Ok(());
        }
        let timeout = self.cluster.config.switch_timeout.as_std();
        let until = Instant::now() + timeout;
        loop {
            let seen = self.endpoints(run, service)?;
            let wanted: BTreeMap<String, i64> = want
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| (s.clone(), *n))
                .collect();
            if seen == wanted {
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(Error::failed(format!(
                    "service {service} did not show the new endpoints within {}s: it has {seen:?}, expected {wanted:?}",
                    timeout.as_secs()
                )));
            }
            run.checkpoint()?;
            std::thread::sleep(rollout::POLL);
        }
    }

    /// One selector patch to `slot`, after the slot holds the serving replicas.
    fn switch(&self, run: &Run, service: &str, slot: &str) -> Result<()> {
        let c = &self.cluster;
        let total = c.total_replicas(run)?;
        let name = c.deployment_name(slot);
        // Under --dry-run the slot's Deployment may be one this run would have created.
        let have = match c.kubectl.get(run, "deployment", &name)? {
            Some(d) => replicas(&d),
            None if run.dry_run => total,
            None => replicas(&c.deployment(run, &name)?),
        };
        let n = have.max(total);
        if have < n || run.dry_run {
            c.scale_and_wait(run, &name, n, Mode::Change)?;
        }
        c.kubectl.patch_ok(
            run,
            "service",
            service,
            "merge",
            &json!({
                "metadata": {"annotations": {REPLICAS_ANNOTATION: n.to_string()}},
                "spec": {"selector": {SLOT_LABEL: slot}},
            }),
            Mode::Change,
        )?;
        self.observe(run, service, &BTreeMap::from([(slot.to_owned(), n)]))?;
        run.capture(&format!(
            "service {service} selects {slot} ({n} ready pods)"
        ));
        Ok(())
    }

    /// Scales the slots to their share, then one selector patch spanning them.
    fn weigh(&self, run: &Run, service: &str, backends: &[Backend]) -> Result<()> {
        let c = &self.cluster;
        let total = c.total_replicas(run)?;
        let weights: Vec<u32> = backends.iter().map(|b| b.weight).collect();
        let counts = split(total, &weights);
        let mut want = BTreeMap::new();
        // Grow first, then shrink: the serving pods never drop below the total.
        let mut order: Vec<usize> = (0..backends.len()).collect();
        let current: Vec<i64> = backends
            .iter()
            .map(|b| {
                c.kubectl
                    .get(run, "deployment", &c.deployment_name(&b.slot))
                    .map(|d| d.as_ref().map_or(0, replicas))
            })
            .collect::<Result<_>>()?;
        order.sort_by_key(|i| counts[*i] <= current[*i]);
        for i in order {
            let name = c.deployment_name(&backends[i].slot);
            if counts[i] != current[i] || run.dry_run {
                c.scale_and_wait(run, &name, counts[i], Mode::Change)?;
            }
            want.insert(backends[i].slot.clone(), counts[i]);
        }
        c.kubectl.patch_ok(
            run,
            "service",
            service,
            "merge",
            &json!({
                "metadata": {"annotations": {REPLICAS_ANNOTATION: total.to_string()}},
                "spec": {"selector": {SLOT_LABEL: null}},
            }),
            Mode::Change,
        )?;
        self.observe(run, service, &want)?;
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
        let service = match self.service() {
            Some(s) if !c.in_place() => s.to_owned(),
            _ => {
                let slot = c.slots[0].clone();
                let Some(d) = c
                    .kubectl
                    .get(run, "deployment", &c.deployment_name(&slot))?
                else {
                    return Ok(None);
                };
                return Ok(version_of(&d).map(|v| Routing::new(vec![self.backend(&slot, v, 1)])));
            }
        };
        let svc = c.kubectl.get(run, "service", &service)?.ok_or_else(|| {
            Error::failed(format!(
                "service {service} not found in {}: create it first (docs/deploy.md, Kubernetes)",
                c.kubectl.namespace()
            ))
        })?;
        let selected = svc["spec"]["selector"][SLOT_LABEL]
            .as_str()
            .map(str::to_owned);
        let mut backends = Vec::new();
        for slot in &c.slots {
            if selected.as_ref().is_some_and(|s| s != slot) {
                continue;
            }
            let Some(d) = c.kubectl.get(run, "deployment", &c.deployment_name(slot))? else {
                continue;
            };
            let n = replicas(&d);
            if let (Some(v), true) = (version_of(&d), n > 0 || selected.is_some()) {
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
