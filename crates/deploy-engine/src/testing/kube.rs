//! A Kubernetes environment on the shared control plane of the test binary
//! ([`slipway_test_support::kube::Kube`]): a fresh namespace per site, the user's objects
//! (a Deployment `web` for rolling; `web-blue` and a Service `web` selecting the blue slot
//! for blue-green and canary) created through the API, and a `slipway.toml` whose
//! environment `test` points at them with a token kubeconfig. Images are
//! `example/web:{version}`; a version containing
//! [`slipway_test_support::kube::NEVER_READY`] never becomes ready.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use slipway_test_support::kube::Kube;

use super::ENV;

/// A Kubernetes environment for one test.
#[derive(Debug)]
pub struct KubeSite {
    /// Config and state.
    pub dir: tempfile::TempDir,
    /// `slipway.toml`.
    pub config: PathBuf,
    /// The namespace of this site.
    pub namespace: String,
    /// The control plane.
    pub kube: &'static Kube,
}

fn deployment(name: &str, labels: &Value, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "example/web:v0"}]},
            },
        },
    })
}

impl KubeSite {
    /// Rolling: the Deployment `web` with `replicas` pods of `example/web:v0`; `env` goes
    /// under `[deploy.environments.test]`, `kube` under its `kubernetes` table.
    pub fn rolling(replicas: u32, env: &str, kube: &str) -> Self {
        let site = Self::new("rolling", env, kube);
        site.create(
            "apps/v1",
            "deployments",
            &deployment("web", &json!({"app": "web"}), replicas),
        );
        site
    }

    /// Blue-green (`strategy`: `blue-green` or `canary`): `web-blue` with `replicas` pods and
    /// the Service `web` selecting it (and the preview Service `web-preview`).
    pub fn slotted(strategy: &str, replicas: u32, env: &str, kube: &str) -> Self {
        let site = Self::new(
            strategy,
            &format!("{env}\n"),
            &format!("service = \"web\"\npreview_service = \"web-preview\"\n{kube}"),
        );
        site.create(
            "apps/v1",
            "deployments",
            &deployment(
                "web-blue",
                &json!({"app": "web", "slipway.dev/slot": "blue"}),
                replicas,
            ),
        );
        for (name, slot) in [("web", "blue"), ("web-preview", "blue")] {
            site.create(
                "v1",
                "services",
                &json!({"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": name},
                    "spec": {"selector": {"app": "web", "slipway.dev/slot": slot},
                        "ports": [{"port": 80, "targetPort": 8080}]}}),
            );
        }
        site
    }

    fn new(strategy: &str, env: &str, kube: &str) -> Self {
        let k = Kube::shared();
        let namespace = k.namespace(strategy);
        let dir = tempfile::Builder::new()
            .prefix("slipway-kube-site-")
            .tempdir()
            .expect("temporary directory");
        let config = dir.path().join("slipway.toml");
        let text = format!(
            "[deploy]\nstate_dir = \"{state}\"\n\n[deploy.environments.{ENV}]\nplatform = \"kubernetes\"\nstrategy = \"{strategy}\"\n{env}\n\
             [deploy.environments.{ENV}.kubernetes]\nkubeconfig = \"{kubeconfig}\"\ndeployment = \"web\"\nimage = \"example/web:{{version}}\"\n{kube}\n",
            state = dir.path().join("state").display(),
            kubeconfig = k.kubeconfig_for(&namespace).display(),
        );
        std::fs::write(&config, text).expect("write slipway.toml");
        Self {
            dir,
            config,
            namespace,
            kube: k,
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Appends `text` to `slipway.toml` (further sections).
    pub fn append(&self, text: &str) {
        let mut config = std::fs::read_to_string(&self.config).expect("read slipway.toml");
        config.push_str(text);
        std::fs::write(&self.config, config).expect("write slipway.toml");
    }

    /// The environment, as the binaries read it.
    pub fn environment(&self) -> crate::Environment {
        super::environment_of(&self.config, self.path())
    }

    /// Creates an object in the site's namespace (`group_version`: `v1` or `apps/v1`).
    pub fn create(&self, group_version: &str, resource: &str, object: &Value) -> Value {
        let prefix = if group_version == "v1" {
            "/api/v1".to_owned()
        } else {
            format!("/apis/{group_version}")
        };
        self.kube.send(
            "POST",
            &format!("{prefix}/namespaces/{}/{resource}", self.namespace),
            object,
        )
    }

    /// The object `resource/name` (`deployments/web`), if it exists.
    pub fn get(&self, resource: &str, name: &str) -> Option<Value> {
        let group = match resource {
            "deployments" | "replicasets" => "/apis/apps/v1",
            "leases" => "/apis/coordination.k8s.io/v1",
            _ => "/api/v1",
        };
        self.kube
            .try_get(&format!(
                "{group}/namespaces/{}/{resource}/{name}",
                self.namespace
            ))
            .ok()
    }

    /// The Deployment `name`; panics when it is missing.
    pub fn deployment(&self, name: &str) -> Value {
        self.get("deployments", name)
            .unwrap_or_else(|| panic!("deployment {name} in {}", self.namespace))
    }

    /// The image of the first container of Deployment `name`.
    pub fn image(&self, name: &str) -> String {
        self.deployment(name)["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The ledger in its ConfigMap (`Null` when there is none).
    pub fn ledger(&self) -> Value {
        self.get("configmaps", &format!("slipway-ledger-{ENV}"))
            .and_then(|cm| cm["data"]["ledger.json"].as_str().map(str::to_owned))
            .map_or(Value::Null, |t| {
                serde_json::from_str(&t).expect("ledger JSON")
            })
    }

    /// Ready endpoints of Service `name`, counted by the slot in their pod's name.
    pub fn endpoints(&self, name: &str) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        let Some(ep) = self.get("endpoints", name) else {
            return out;
        };
        for subset in ep["subsets"].as_array().into_iter().flatten() {
            for a in subset["addresses"].as_array().into_iter().flatten() {
                let pod = a["targetRef"]["name"].as_str().unwrap_or_default();
                let slot = ["blue", "green"]
                    .into_iter()
                    .find(|s| pod.starts_with(&format!("web-{s}-")))
                    .unwrap_or("other");
                *out.entry(slot.to_owned()).or_insert(0) += 1;
            }
        }
        out
    }

    /// Waits up to 120 s for `done`; panics naming `what`.
    pub fn wait_for(&self, what: &str, mut done: impl FnMut(&Self) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !done(self) {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what} in {}",
                self.namespace
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Samples a value from the API every 50 ms on a thread until stopped.
#[derive(Debug)]
pub struct Sampler<T: Send + 'static> {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<Vec<T>>>,
}

impl<T: Send + 'static> Sampler<T> {
    /// Starts sampling `sample` (`None` samples are skipped).
    pub fn start(mut sample: impl FnMut() -> Option<T> + Send + 'static) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut out = Vec::new();
            // Bounded: at most 10 minutes of samples.
            for _ in 0..12_000 {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                if let Some(v) = sample() {
                    out.push(v);
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            out
        });
        Self {
            stop,
            handle: Some(handle),
        }
    }

    /// Stops and returns the samples.
    pub fn stop(mut self) -> Vec<T> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}
