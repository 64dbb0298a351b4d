//! `deploy` on a real Kubernetes control plane (test-support's `Kube`): rolling with a
//! rollout wait and undo, blue-green through one Service selector patch, canary by replica
//! split with Prometheus analysis, the ledger ConfigMap, the Lease, and `--dry-run`.

use std::process::Output;
use std::time::Duration;

use slipway_deploy_engine::testing::ENV;
use slipway_deploy_engine::testing::kube::{KubeSite, Sampler};
use slipway_test_support::kube::NEVER_READY;
use slipway_test_support::output::{json as doc, stderr};

/// `deploy --config SITE --environment test ARGS --json`.
fn deploy(site: &KubeSite, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
    slipway_test_support::actions::clean_env(&mut cmd);
    let mut cmd = assert_cmd::Command::from_std(cmd);
    cmd.current_dir(site.path())
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&site.config)
        .args(["--environment", ENV])
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap()
}

fn deployed(site: &KubeSite, version: &str) -> serde_json::Value {
    let out = deploy(site, &["--version", version, "--json"]);
    assert!(
        out.status.success(),
        "deploy {version}: {:?}\n{}",
        out.status.code(),
        stderr(&out)
    );
    doc(&out)
}

#[test]
fn rolling_v1_to_v2_with_max_surge_1_never_has_fewer_available_pods_than_replicas() {
    let site = KubeSite::rolling(3, "max_surge = 1\nmax_unavailable = 0", "");
    deployed(&site, "v1");
    assert_eq!(site.image("web"), "example/web:v1");
    let ns = site.namespace.clone();
    let kube = site.kube;
    let sampler = Sampler::start(move || {
        kube.try_get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/web"))
            .ok()
            .map(|d| d["status"]["availableReplicas"].as_i64().unwrap_or(0))
    });
    let d = deployed(&site, "v2");
    let available = sampler.stop();
    assert!(available.len() >= 5, "sampled {available:?}");
    assert!(
        available.iter().all(|n| *n >= 3),
        "fewer available pods than replicas during the rollout: {available:?}"
    );
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["previous"], "v1");
    let web = site.deployment("web");
    assert_eq!(site.image("web"), "example/web:v2");
    assert_eq!(web["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 1);
    assert_eq!(
        web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        0
    );
    let cause = web["metadata"]["annotations"]["kubernetes.io/change-cause"]
        .as_str()
        .unwrap();
    assert!(cause.starts_with("slipway: v2 by "), "{cause}");
    let ledger = site.ledger();
    assert_eq!(ledger["active"]["version"], "v2");
    assert_eq!(ledger["history"][0]["status"], "succeeded");
    assert_eq!(ledger["history"][1]["version"], "v1");
}

#[test]
fn rolling_to_a_broken_image_rolls_back_to_v1_by_its_progress_deadline() {
    let site = KubeSite::rolling(2, "", "progress_deadline = \"6s\"");
    deployed(&site, "v1");
    let broken = format!("v2-{NEVER_READY}");
    let out = deploy(&site, &["--version", &broken, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    let error = d["error"].as_str().unwrap();
    assert!(error.contains("did not finish within 6s"), "{error}");
    assert_eq!(site.image("web"), "example/web:v1");
    let web = site.deployment("web");
    assert_eq!(web["status"]["availableReplicas"], 2, "{web}");
    assert_eq!(web["status"]["updatedReplicas"], 2, "{web}");
    let ledger = site.ledger();
    assert_eq!(ledger["history"][0]["status"], "rolled-back");
    assert_eq!(ledger["active"]["version"], "v1");
}

#[test]
fn blue_green_switch_moves_the_service_endpoints_in_one_patch() {
    let site = KubeSite::slotted("blue-green", 2, "", "scale_down_delay = \"1s\"");
    deployed(&site, "v1");
    assert_eq!(site.endpoints("web").get("blue"), Some(&2));
    let ns = site.namespace.clone();
    let kube = site.kube;
    let sampler = Sampler::start(move || {
        let site_ep = kube
            .try_get(&format!("/api/v1/namespaces/{ns}/endpoints/web"))
            .ok()?;
        let names: Vec<String> = site_ep["subsets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a["targetRef"]["name"].as_str().map(str::to_owned))
            .collect();
        Some(names)
    });
    let d = deployed(&site, "v2");
    let samples = sampler.stop();
    assert_eq!(d["slot"], "green", "{d}");
    for names in &samples {
        let blue = names.iter().any(|n| n.starts_with("web-blue-"));
        let green = names.iter().any(|n| n.starts_with("web-green-"));
        assert!(
            !(blue && green),
            "the Service spanned both slots: {names:?}"
        );
    }
    assert!(
        samples
            .iter()
            .any(|n| n.iter().all(|p| p.starts_with("web-blue-")) && !n.is_empty()),
        "blue served before the switch"
    );
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "green");
    assert_eq!(site.endpoints("web").get("green"), Some(&2));
    // The preview Service pointed at green before the switch; blue scaled down after 1 s.
    let preview = site.get("services", "web-preview").unwrap();
    assert_eq!(preview["spec"]["selector"]["slipway.dev/slot"], "green");
    assert_eq!(site.deployment("web-blue")["spec"]["replicas"], 0);
    assert_eq!(site.image("web-green"), "example/web:v2");
    assert_eq!(site.ledger()["slots"]["blue"], "v1");
}

/// The canary's metrics: the loopback sample service as `green` `v2` with `error_rate`,
/// under a bounded load, scraped by Prometheus (never a pod IP).
struct CanaryMetrics {
    _app: slipway_test_support::sample::SampleService,
    prometheus: slipway_test_support::prometheus::Prometheus,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    load: Option<std::thread::JoinHandle<()>>,
}

impl CanaryMetrics {
    fn start(error_rate: f64) -> Self {
        use slipway_test_support::prometheus::Prometheus;
        use slipway_test_support::sample::{Knobs, SampleService};
        let app = SampleService::start_with(
            slipway_test_support::ports::free_port(),
            "v2",
            "green",
            Knobs {
                error_rate,
                ..Knobs::default()
            },
        );
        let prometheus = Prometheus::start(
            &[format!("127.0.0.1:{}", app.port())],
            Duration::from_millis(200),
        );
        prometheus.wait_for_target_up(Duration::from_secs(60));
        let url = app.url();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let load = std::thread::spawn(move || {
            for _ in 0..60_000 {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let _ = slipway_test_support::http::get(&url);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Self {
            _app: app,
            prometheus,
            stop,
            load: Some(load),
        }
    }

    fn site(&self) -> KubeSite {
        self.site_with(10)
    }

    /// A canary site whose first slot has `replicas` pods.
    fn site_with(&self, replicas: u32) -> KubeSite {
        let site = KubeSite::slotted("canary", replicas, "", "scale_down_delay = \"0s\"");
        site.append(&format!(
            "[deploy.environments.{ENV}.canary]\nstep_duration = \"3s\"\n\
             [deploy.environments.{ENV}.analysis]\nprovider = \"prometheus\"\nmin_samples = 5\n\
             [deploy.environments.{ENV}.analysis.prometheus]\nurl = \"{}\"\n",
            self.prometheus.url()
        ));
        site
    }
}

impl Drop for CanaryMetrics {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(load) = self.load.take() {
            let _ = load.join();
        }
    }
}

fn step<'a>(d: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?} in {}", d["steps"]))
}

#[test]
fn canary_with_prometheus_errors_fails_at_ten_percent_and_goes_back_to_stable() {
    let metrics = CanaryMetrics::start(0.5);
    let site = metrics.site();
    deployed(&site, "v1");
    let out = deploy(&site, &["--version", "v2", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    let reached = step(&d, "canary 10% to v2")["output"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reached.contains("green v2: 1 of 10 pods (10%)"),
        "{reached}"
    );
    assert_eq!(step(&d, "analysis at 10%")["status"], "failed");
    assert!(
        !d["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "canary 30% to v2"),
        "no step past 10 %"
    );
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "blue");
    assert_eq!(site.endpoints("web").get("blue"), Some(&10));
    assert_eq!(site.deployment("web-green")["spec"]["replicas"], 0);
    assert_eq!(site.ledger()["history"][0]["status"], "rolled-back");
}

#[test]
fn canary_10_30_50_100_reports_the_weight_reached_at_each_step() {
    let metrics = CanaryMetrics::start(0.0);
    let site = metrics.site();
    deployed(&site, "v1");
    let d = deployed(&site, "v2");
    for (pct, pods) in [(10, 1), (30, 3), (50, 5)] {
        let reached = step(&d, &format!("canary {pct}% to v2"))["output"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            reached.contains(&format!("green v2: {pods} of 10 pods ({pct}%)")),
            "{reached}"
        );
        assert_eq!(step(&d, &format!("analysis at {pct}%"))["status"], "ok");
    }
    step(&d, "canary 100%: all traffic to v2");
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "green");
    assert_eq!(site.endpoints("web").get("green"), Some(&10));
    assert_eq!(site.deployment("web-blue")["spec"]["replicas"], 0);
    assert_eq!(site.ledger()["active"]["slot"], "green");
}

#[test]
fn a_lease_held_by_a_live_run_refuses_a_second_deploy() {
    let site = KubeSite::rolling(
        1,
        "[deploy.environments.test.hooks]\npre_deploy = [\"sleep 6\"]",
        "",
    );
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
    slipway_test_support::actions::clean_env(&mut first);
    let mut first = first
        .current_dir(site.path())
        .arg("--config")
        .arg(&site.config)
        .args(["--environment", ENV, "--version", "v1", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    site.wait_for("the first run's Lease", |s| {
        s.get("leases", "slipway-lock-test").is_some()
    });
    let lease = site.get("leases", "slipway-lock-test").unwrap();
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 3600);
    let holder = lease["metadata"]["annotations"]["slipway.dev/holder"]
        .as_str()
        .unwrap();
    assert!(holder.contains("\"version\":\"v1\""), "{holder}");
    let out = deploy(&site, &["--version", "v2", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "locked");
    assert!(d["error"].as_str().unwrap().contains("deploy of v1"), "{d}");
    let status = first.wait().unwrap();
    assert!(status.success(), "the first run finished");
    assert!(
        site.get("leases", "slipway-lock-test").is_none(),
        "released"
    );
    assert_eq!(site.image("web"), "example/web:v1");
}

#[test]
fn dry_run_prints_every_api_change_and_makes_none() {
    let site = KubeSite::slotted("blue-green", 1, "", "");
    deployed(&site, "v1");
    let before = site.deployment("web-blue");
    let out = deploy(&site, &["--version", "v2", "--dry-run", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(doc(&out)["status"], "planned");
    let err = stderr(&out);
    for change in [
        "kubectl --kubeconfig",
        "create -f - -o json",
        "patch deployment web-green --type strategic",
        "patch service web-preview --type merge",
        "patch service web --type merge",
        "would record in configmap slipway-ledger-test",
        "would take the lock on lease slipway-lock-test",
    ] {
        assert!(err.contains(change), "missing {change:?} in:\n{err}");
    }
    assert!(
        site.get("deployments", "web-green").is_none(),
        "nothing created"
    );
    assert_eq!(
        site.deployment("web-blue")["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "blue");
    assert!(site.get("leases", "slipway-lock-test").is_none());
    assert_eq!(site.ledger()["history"].as_array().unwrap().len(), 1);
}

#[test]
fn status_and_lock_commands_read_the_cluster() {
    let site = KubeSite::rolling(1, "", "");
    deployed(&site, "v1");
    let out = deploy(&site, &["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["environments"][0]["active"]["version"], "v1");
    let out = deploy(&site, &["lock", "acquire", "-m", "release freeze"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lease = site.get("leases", "slipway-lock-test").unwrap();
    assert!(
        lease["metadata"]["annotations"]["slipway.dev/holder"]
            .as_str()
            .unwrap()
            .contains("release freeze")
    );
    let out = deploy(&site, &["--version", "v2", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(doc(&out)["error"].as_str().unwrap().contains("frozen"));
    let out = deploy(&site, &["lock", "release"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.get("leases", "slipway-lock-test").is_none());
}

/// A kubeconfig whose user is an exec credential plugin, as EKS (`aws eks get-token`), GKE
/// (`gke-gcloud-auth-plugin`) and AKS (`kubelogin`) write them: kubectl runs the script for
/// every call and sends the token of the `ExecCredential` it prints. The script logs its
/// calls, and fails like an expired SSO session once `fail` exists.
struct ExecPlugin {
    calls: std::path::PathBuf,
    fail: std::path::PathBuf,
}

impl ExecPlugin {
    fn install(site: &KubeSite) -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = site.path();
        let (calls, fail) = (dir.join("plugin-calls"), dir.join("plugin-fails"));
        let script = dir.join("get-token");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{calls}'\n\
                 if [ -e '{fail}' ]; then echo 'error: the SSO session has expired; run aws sso login' >&2; exit 1; fi\n\
                 printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\"}}}}\\n' '{token}'\n",
                calls = calls.display(),
                fail = fail.display(),
                token = slipway_test_support::kube::TOKEN,
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let kubeconfig = dir.join("kubeconfig-exec");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: slipway-test\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\n\
                 users:\n- name: sso\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {script}\n      args: [\"eks\", \"get-token\", \"--cluster-name\", \"shop\"]\n      interactiveMode: Never\n\
                 contexts:\n- name: other\n  context:\n    cluster: slipway-test\n    user: nobody\n- name: shop-eks\n  context:\n    cluster: slipway-test\n    user: sso\n    namespace: {ns}\ncurrent-context: other\n",
                server = site.kube.server(),
                script = script.display(),
                ns = site.namespace,
            ),
        )
        .unwrap();
        // The environment names the context; the kubeconfig's current one has no user.
        let config = std::fs::read_to_string(&site.config).unwrap();
        let start = config.find("kubeconfig = \"").unwrap();
        let end = start + config[start..].find('\n').unwrap();
        let config = format!(
            "{}kubeconfig = \"{}\"\ncontext = \"shop-eks\"{}",
            &config[..start],
            kubeconfig.display(),
            &config[end..]
        );
        std::fs::write(&site.config, config).unwrap();
        Self { calls, fail }
    }

    fn calls(&self) -> usize {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .filter(|l| *l == "eks get-token --cluster-name shop")
            .count()
    }
}

#[test]
fn deploy_authenticates_through_an_exec_credential_plugin() {
    let site = KubeSite::rolling(1, "", "");
    let plugin = ExecPlugin::install(&site);
    let d = deployed(&site, "v1");
    assert_eq!(d["status"], "succeeded");
    assert_eq!(site.image("web"), "example/web:v1");
    assert!(
        plugin.calls() >= 3,
        "kubectl ran the plugin for its calls: {}",
        plugin.calls()
    );
    assert_eq!(site.ledger()["active"]["version"], "v1");
}

#[test]
fn a_failing_exec_credential_plugin_is_a_one_line_error_naming_the_context() {
    let site = KubeSite::rolling(1, "", "");
    let plugin = ExecPlugin::install(&site);
    deployed(&site, "v1");
    std::fs::write(&plugin.fail, "").unwrap();
    let out = deploy(&site, &["--version", "v2", "--json"]);
    let d = doc(&out);
    assert_eq!(out.status.code(), Some(2), "{d}\n{}", stderr(&out));
    let error = d["error"].as_str().unwrap();
    assert!(!error.contains('\n'), "one line: {error:?}");
    assert!(error.contains("context shop-eks"), "{error}");
    assert!(error.contains("the SSO session has expired"), "{error}");
    // Nothing changed: the Deployment still runs v1 and no Lease was left behind.
    std::fs::remove_file(&plugin.fail).unwrap();
    assert_eq!(site.image("web"), "example/web:v1");
    assert!(site.get("leases", "slipway-lock-test").is_none());
}

/// With no metrics server here, the HPA controller cannot compute a CPU-driven count; what
/// it does do, and what this test leans on, is the real controller keeping its target
/// within `minReplicas..maxReplicas` (it scales the stable Deployment from 4 to 10) and
/// writing `status.currentReplicas`. Scaling on load during a canary is not exercised.
#[test]
fn canary_with_an_hpa_scales_the_canary_from_the_autoscalers_count_and_never_fights_it() {
    let metrics = CanaryMetrics::start(0.0);
    let site = metrics.site_with(4);
    deployed(&site, "v1");
    let stable = site.ledger()["active"]["slot"].as_str().unwrap().to_owned();
    let canary = if stable == "blue" { "green" } else { "blue" };
    let (stable_name, canary_name) = (format!("web-{stable}"), format!("web-{canary}"));
    site.create(
        "autoscaling/v1",
        "horizontalpodautoscalers",
        &serde_json::json!({
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": stable_name},
                "minReplicas": 10, "maxReplicas": 20, "targetCPUUtilizationPercentage": 80},
        }),
    );
    let hpa_path = format!(
        "/apis/autoscaling/v1/namespaces/{}/horizontalpodautoscalers/web",
        site.namespace
    );
    site.wait_for("the HPA to scale the stable slot to its minimum", |s| {
        s.kube.get(&hpa_path)["status"]["currentReplicas"] == 10
            && s.deployment(&stable_name)["status"]["availableReplicas"] == 10
    });
    let (ns, kube, name) = (site.namespace.clone(), site.kube, stable_name.clone());
    let sampler = Sampler::start(move || {
        let d = kube
            .try_get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"))
            .ok()?;
        let svc = kube
            .try_get(&format!("/api/v1/namespaces/{ns}/services/web"))
            .ok()?;
        let selected = svc["spec"]["selector"]["slipway.dev/slot"]
            .as_str()
            .map(str::to_owned);
        Some((d["spec"]["replicas"].as_i64().unwrap_or(0), selected))
    });
    let d = deployed(&site, "v2");
    let samples = sampler.stop();
    // The canary's pods are its share of the HPA's 10; the stable slot keeps all 10.
    for (pct, pods, total, reached) in [(10, 1, 11, 9), (30, 3, 13, 23), (50, 5, 15, 33)] {
        let output = step(&d, &format!("canary {pct}% to v2"))["output"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            output.contains(&format!("{canary} v2: {pods} of {total} pods ({reached}%)")),
            "{pct}%: {output}"
        );
    }
    let before_switch: Vec<i64> = samples
        .iter()
        .filter(|(_, selected)| selected.as_deref() != Some(canary))
        .map(|(n, _)| *n)
        .collect();
    assert!(before_switch.len() >= 5, "sampled {samples:?}");
    assert!(
        before_switch.iter().all(|n| *n >= 10),
        "Slipway scaled the HPA's Deployment down during the canary: {samples:?}"
    );
    // Promoted: the new slot serves with the HPA's count and the HPA follows it.
    let hpa = site.kube.get(&hpa_path);
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], canary_name.as_str());
    assert_eq!(site.deployment(&canary_name)["spec"]["replicas"], 10);
    assert_eq!(site.endpoints("web").get(canary), Some(&10));
    assert_eq!(site.deployment(&stable_name)["spec"]["replicas"], 0);
}

/// The pause record the running canary keeps on its Lease, if any.
fn paused_on_the_lease(site: &KubeSite) -> Option<serde_json::Value> {
    site.get("leases", "slipway-lock-test").and_then(|l| {
        l["metadata"]["annotations"]["slipway.dev/canary-paused"]
            .as_str()
            .and_then(|t| serde_json::from_str(t).ok())
    })
}

/// `deploy --version v2 --pause-at 30` in the background, once it waits at 30 %.
fn paused_canary(site: &KubeSite) -> std::process::Child {
    let mut canary = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
    slipway_test_support::actions::clean_env(&mut canary);
    let log = site.path().join("canary.log");
    let mut canary = canary
        .current_dir(site.path())
        .arg("--config")
        .arg(&site.config)
        .args([
            "--environment",
            ENV,
            "--version",
            "v2",
            "--pause-at",
            "30",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while paused_on_the_lease(site).is_none() {
        let ended = canary.try_wait().unwrap();
        assert!(
            ended.is_none() && std::time::Instant::now() < deadline,
            "the canary did not pause at 30 % ({ended:?}):\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let record = paused_on_the_lease(site).unwrap();
    assert_eq!(
        (record["step"].as_u64(), record["version"].as_str()),
        (Some(30), Some("v2"))
    );
    canary
}

/// `deploy ACTION` from another machine: the same slipway.toml with its own state_dir and
/// working directory, so nothing reaches the run but the cluster.
fn from_elsewhere(site: &KubeSite, action: &str) -> (Output, tempfile::TempDir) {
    let elsewhere = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(&site.config).unwrap().replace(
        &site.path().join("state").display().to_string(),
        &elsewhere.path().join("state").display().to_string(),
    );
    let other = elsewhere.path().join("slipway.toml");
    std::fs::write(&other, config).unwrap();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
    slipway_test_support::actions::clean_env(&mut command);
    let out = assert_cmd::Command::from_std(command)
        .current_dir(elsewhere.path())
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&other)
        .args(["--environment", ENV, action])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{action}: {}", stderr(&out));
    (out, elsewhere)
}

#[test]
fn promote_from_another_machine_reaches_a_paused_canary_through_the_lease() {
    let metrics = CanaryMetrics::start(0.0);
    let site = metrics.site();
    deployed(&site, "v1");
    let canary = paused_canary(&site);
    let (promote, elsewhere) = from_elsewhere(&site, "promote");
    assert!(
        String::from_utf8_lossy(&promote.stdout).contains("from 30%"),
        "{}",
        String::from_utf8_lossy(&promote.stdout)
    );
    let out = canary.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "succeeded");
    let held = step(&d, "paused at 30%")["output"]
        .as_str()
        .unwrap_or_default();
    assert!(held.starts_with("promoted by "), "{held}");
    step(&d, "canary 100%: all traffic to v2");
    assert_eq!(site.ledger()["active"]["version"], "v2");
    assert!(
        site.get("leases", "slipway-lock-test").is_none(),
        "the Lease, and its control records, went with the run"
    );
    assert!(
        !site
            .path()
            .join("state")
            .join("test")
            .join("control")
            .exists()
            && !elsewhere
                .path()
                .join("state")
                .join("test")
                .join("control")
                .exists(),
        "no control file on either machine"
    );
}

#[test]
fn abort_from_another_machine_puts_a_paused_kubernetes_canary_back_on_stable() {
    let metrics = CanaryMetrics::start(0.0);
    let site = metrics.site();
    deployed(&site, "v1");
    let canary = paused_canary(&site);
    from_elsewhere(&site, "abort");
    let out = canary.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    assert!(
        d["error"]
            .as_str()
            .unwrap_or_default()
            .contains("with `deploy abort` at 30%"),
        "{d}"
    );
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "blue");
    assert_eq!(site.endpoints("web").get("blue"), Some(&10));
    assert_eq!(site.ledger()["active"]["version"], "v1");
    assert!(site.get("leases", "slipway-lock-test").is_none());
}

#[test]
fn rolling_percentages_go_on_the_deployment_as_kubernetes_reads_them() {
    let site = KubeSite::rolling(4, "max_surge = \"50%\"\nmax_unavailable = \"25%\"", "");
    let d = deployed(&site, "v1");
    assert_eq!(d["status"], "succeeded");
    let web = site.deployment("web");
    let rolling = &web["spec"]["strategy"]["rollingUpdate"];
    assert_eq!(rolling["maxSurge"], "50%", "{rolling}");
    assert_eq!(rolling["maxUnavailable"], "25%", "{rolling}");
    assert_eq!(web["status"]["availableReplicas"], 4);
    assert_eq!(site.image("web"), "example/web:v1");
}
