//! A real Kubernetes control plane on loopback: etcd, kube-apiserver,
//! kube-controller-manager and kube-scheduler (1.20.2, built from Debian's
//! source package by `scripts/build-kube.sh` into `$SLIPWAY_TOOLS/kube/bin`),
//! plus an in-process loop that plays kubelet.
//!
//! [`Kube::shared`] starts one control plane per test binary, on free ports of
//! 127.0.0.1, in a temporary directory: etcd (client and peer URLs on
//! loopback), the API server with a static token (`AlwaysAllow`, no
//! ServiceAccount admission) on its TLS port for clients that use the
//! kubeconfig ([`Kube::kubeconfig`]), `kubectl proxy` in front of it as a
//! plain-HTTP door for the fixture's own reads and writes ([`Kube::get`]; 1.20
//! no longer opens an insecure port), the controller manager (every
//! controller but node lifecycle and service-account tokens) and the
//! scheduler. A small `sh` watchdog stops them by pid (SIGTERM, then SIGKILL)
//! once the test process is gone, and removes the directory (kept, with the
//! components' logs and etcd's data, when `SLIPWAY_KEEP_KUBE` is set): nothing
//! else outlives the tests.
//!
//! No container runtime runs here, so a thread plays kubelet, as kwok does:
//! it registers a Ready node, marks every pod scheduled on it Running and
//! Ready with a fictional pod IP (`192.0.2.x`, a documentation range: never
//! send traffic to it), finishes graceful deletions, and leaves pods whose
//! image contains [`NEVER_READY`] Pending, so a rollout of such an image fails
//! by its progress deadline.
//!
//! ```no_run
//! use slipway_test_support::kube::Kube;
//! let kube = Kube::shared();
//! let ns = kube.namespace("rolling");
//! let deployments = kube.get(&format!("/apis/apps/v1/namespaces/{ns}/deployments"));
//! assert_eq!(deployments["kind"], "DeploymentList");
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http;
use crate::ports::free_port;
use crate::process::{ServerProcess, run_checked};
use crate::{program, slow_link};

/// Pods whose image contains this never become ready.
pub const NEVER_READY: &str = "never-ready";

/// The bearer token of the kubeconfig (a test-only static token).
pub const TOKEN: &str = "slipway-test-token";

/// The node the kubelet loop registers.
pub const NODE: &str = "slipway-fake-node";

/// How long the whole control plane may take to come up on a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// The control-plane programs, in start order.
pub const PROGRAMS: [&str; 4] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

/// A running control plane with its kubelet loop.
#[derive(Debug)]
pub struct Kube {
    dir: PathBuf,
    kubeconfig: PathBuf,
    secure_port: u16,
    http_port: u16,
    pids: Vec<u32>,
}

/// Where `scripts/build-kube.sh` puts the binaries.
pub fn bin_dir() -> PathBuf {
    program::tools_dir().join("kube").join("bin")
}

/// The path of control-plane program `name`; panics with the build command
/// when it is missing.
pub fn require_binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    if path.is_file() {
        path
    } else {
        panic!("{}", program::missing_message(name))
    }
}

impl Kube {
    /// The control plane of this test binary: started on first use, shared by
    /// every test in the process, stopped by its watchdog when the process
    /// exits. Panics with the build command when a binary is missing, and
    /// with the component's log when it does not come up.
    pub fn shared() -> &'static Kube {
        static SHARED: OnceLock<Kube> = OnceLock::new();
        SHARED.get_or_init(Kube::start)
    }

    fn start() -> Kube {
        let binaries: Vec<PathBuf> = PROGRAMS.iter().map(|p| require_binary(p)).collect();
        program::require("kubectl");
        let dir = tempfile::Builder::new()
            .prefix("slipway-kube-")
            .tempdir()
            .expect("create a temporary directory")
            .keep();
        let (client, peer, secure_port, http_port) =
            (free_port(), free_port(), free_port(), free_port());
        std::fs::create_dir_all(dir.join("certs")).expect("certs dir");
        std::fs::write(
            dir.join("tokens.csv"),
            format!("{TOKEN},admin,1,system:masters\n"),
        )
        .expect("write tokens.csv");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            kubeconfig_text(&format!("https://127.0.0.1:{secure_port}"), "default"),
        )
        .expect("write kubeconfig");
        let key = dir.join("certs/sa.key");
        let public = dir.join("certs/sa.pub");
        run_checked(
            "openssl genrsa",
            Command::new("openssl")
                .args(["genrsa", "-out"])
                .arg(&key)
                .arg("2048"),
        );
        run_checked(
            "openssl rsa -pubout",
            Command::new("openssl")
                .args(["rsa", "-pubout", "-in"])
                .arg(&key)
                .arg("-out")
                .arg(&public),
        );

        let mut etcd = Command::new(&binaries[0]);
        etcd.arg("--data-dir")
            .arg(dir.join("etcd-data"))
            .arg(format!("--listen-client-urls=http://127.0.0.1:{client}"))
            .arg(format!("--advertise-client-urls=http://127.0.0.1:{client}"))
            .arg(format!("--listen-peer-urls=http://127.0.0.1:{peer}"))
            .arg(format!(
                "--initial-advertise-peer-urls=http://127.0.0.1:{peer}"
            ))
            .arg(format!("--initial-cluster=default=http://127.0.0.1:{peer}"));
        let mut processes = vec![spawn("etcd", etcd, &dir)];
        let health = format!("http://127.0.0.1:{client}/health");
        processes[0].wait_until("etcd /health", START_TIMEOUT, || {
            http::get(&health).is_ok_and(|r| r.status == 200)
        });

        let mut apiserver = Command::new(&binaries[1]);
        apiserver
            .arg(format!("--etcd-servers=http://127.0.0.1:{client}"))
            .args(["--advertise-address=127.0.0.1", "--bind-address=127.0.0.1"])
            .arg(format!("--secure-port={secure_port}"))
            .arg("--insecure-port=0")
            .arg(format!("--cert-dir={}", dir.join("certs").display()))
            .arg(format!(
                "--token-auth-file={}",
                dir.join("tokens.csv").display()
            ))
            .args([
                "--service-cluster-ip-range=10.96.0.0/24",
                "--authorization-mode=AlwaysAllow",
                "--disable-admission-plugins=ServiceAccount",
                "--service-account-issuer=https://kubernetes.default.svc",
            ])
            .arg(format!("--service-account-key-file={}", public.display()))
            .arg(format!(
                "--service-account-signing-key-file={}",
                key.display()
            ));
        processes.push(spawn("kube-apiserver", apiserver, &dir));
        // 1.20 serves TLS only: `kubectl proxy` gives the fixture a plain-HTTP door to
        // the same API (authenticated with the kubeconfig's token).
        let mut proxy = Command::new(program::require("kubectl"));
        proxy
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["proxy", "--address=127.0.0.1"])
            .arg(format!("--port={http_port}"))
            .arg("--accept-hosts=^127\\.0\\.0\\.1$");
        processes.push(spawn("kubectl-proxy", proxy, &dir));
        let readyz = format!("http://127.0.0.1:{http_port}/readyz");
        processes[1].wait_until("kube-apiserver /readyz", START_TIMEOUT, || {
            http::get(&readyz).is_ok_and(|r| r.status == 200)
        });

        let mut kcm = Command::new(&binaries[2]);
        kcm.arg(format!("--kubeconfig={}", kubeconfig.display()))
            .args([
                "--leader-elect=false",
                "--port=0",
                "--secure-port=0",
                "--controllers=*,-nodelifecycle,-serviceaccount-token",
                // Deployments notice new ReplicaSet states quickly.
                "--concurrent-deployment-syncs=5",
            ]);
        processes.push(spawn("kube-controller-manager", kcm, &dir));
        let mut scheduler = Command::new(&binaries[3]);
        scheduler
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .args(["--leader-elect=false", "--port=0", "--secure-port=0"]);
        processes.push(spawn("kube-scheduler", scheduler, &dir));

        let pids: Vec<u32> = processes.iter().map(ServerProcess::id).collect();
        start_watchdog(&dir, &pids);
        // The watchdog stops them by pid when this process exits; a static is
        // never dropped, so the handles are forgotten rather than stopped here.
        for p in processes {
            std::mem::forget(p);
        }
        let kube = Kube {
            dir,
            kubeconfig,
            secure_port,
            http_port,
            pids,
        };
        kube.register_node();
        let base = kube.http_url();
        std::thread::Builder::new()
            .name("slipway-fake-kubelet".into())
            .spawn(move || kubelet_loop(&base))
            .expect("start the kubelet loop");
        kube.wait_ready();
        kube
    }

    /// The kubeconfig: a token user on the TLS port, namespace `default`.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// Writes a kubeconfig in the fixture's directory whose context's
    /// namespace is `namespace`; returns its path.
    pub fn kubeconfig_for(&self, namespace: &str) -> PathBuf {
        let path = self.dir.join(format!("kubeconfig-{namespace}"));
        std::fs::write(&path, kubeconfig_text(&self.server(), namespace))
            .expect("write kubeconfig");
        path
    }

    /// Writes a kubeconfig for `namespace` whose server is a [`slow_link`] to the
    /// plain-HTTP door that holds every watch request back by `delay`; returns its path.
    /// A client's watch then starts `delay` after its read, long enough for a test to
    /// change the object in between.
    pub fn slow_watch_kubeconfig(&self, namespace: &str, delay: Duration) -> PathBuf {
        let port = slow_link::start(self.http_port, b"watch=true", delay);
        let path = self.dir.join(format!("kubeconfig-{namespace}-slow-watch"));
        let text = kubeconfig_text(&format!("http://127.0.0.1:{port}"), namespace);
        std::fs::write(&path, text).expect("write kubeconfig");
        path
    }

    /// `https://127.0.0.1:PORT`, the server of the kubeconfig.
    pub fn server(&self) -> String {
        format!("https://127.0.0.1:{}", self.secure_port)
    }

    /// `http://127.0.0.1:PORT`: the API without authentication, for the
    /// fixture's and the tests' own reads and writes.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The pids of etcd, the API server, the proxy, the controller manager and the scheduler.
    pub fn pids(&self) -> &[u32] {
        &self.pids
    }

    /// A `kubectl` command with the fixture's kubeconfig.
    pub fn kubectl(&self) -> Command {
        let mut command = Command::new(program::require("kubectl"));
        command.arg("--kubeconfig").arg(&self.kubeconfig);
        command
    }

    /// A fresh namespace `PREFIX-N-PID` for one test; returns its name.
    pub fn namespace(&self, prefix: &str) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            NEXT.fetch_add(1, Ordering::Relaxed),
            std::process::id()
        );
        self.send(
            "POST",
            "/api/v1/namespaces",
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        );
        name
    }

    /// `GET path` on the API; panics unless it answers 200.
    pub fn get(&self, path: &str) -> Value {
        let answer = self.try_get(path);
        answer.unwrap_or_else(|(status, text)| panic!("GET {path}: {status} {text}"))
    }

    /// `GET path` on the API: the object, or the status and body of a failure.
    pub fn try_get(&self, path: &str) -> Result<Value, (u16, String)> {
        api(&self.http_url(), "GET", path, None, "")
    }

    /// Sends `body` with `method` (`POST`, `PUT`) to `path`; panics unless it
    /// answers 2xx.
    pub fn send(&self, method: &str, path: &str, body: &Value) -> Value {
        api(
            &self.http_url(),
            method,
            path,
            Some(body),
            "application/json",
        )
        .unwrap_or_else(|(status, text)| panic!("{method} {path}: {status} {text}"))
    }

    /// A JSON merge patch of the object at `path`; panics unless it answers 2xx.
    pub fn merge_patch(&self, path: &str, patch: &Value) -> Value {
        api(
            &self.http_url(),
            "PATCH",
            path,
            Some(patch),
            "application/merge-patch+json",
        )
        .unwrap_or_else(|(status, text)| panic!("PATCH {path}: {status} {text}"))
    }

    fn register_node(&self) {
        let base = self.http_url();
        let node = json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": NODE, "labels": {"kubernetes.io/hostname": NODE, "type": "fake"}},
        });
        match api(
            &base,
            "POST",
            "/api/v1/nodes",
            Some(&node),
            "application/json",
        ) {
            Ok(_) | Err((409, _)) => {}
            Err((status, text)) => panic!("registering the fake node: {status} {text}"),
        }
        let now = now();
        let status = json!({"status": {
            "capacity": {"cpu": "64", "memory": "128Gi", "pods": "500"},
            "allocatable": {"cpu": "64", "memory": "128Gi", "pods": "500"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "SlipwayFakeKubelet",
                "lastHeartbeatTime": now, "lastTransitionTime": now}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        }});
        api(
            &base,
            "PATCH",
            &format!("/api/v1/nodes/{NODE}/status"),
            Some(&status),
            "application/merge-patch+json",
        )
        .unwrap_or_else(|(s, t)| panic!("marking the fake node Ready: {s} {t}"));
        // The API taints a new node not-ready; node lifecycle (off here) would lift it.
        api(
            &base,
            "PATCH",
            &format!("/api/v1/nodes/{NODE}"),
            Some(&json!({"spec": {"taints": null}})),
            "application/merge-patch+json",
        )
        .unwrap_or_else(|(s, t)| panic!("untainting the fake node: {s} {t}"));
    }

    /// Waits until a pod is scheduled, run and deleted through the whole
    /// chain (scheduler, kubelet loop), so the first test does not pay for
    /// a cold start with its own deadlines.
    fn wait_ready(&self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let sa = self.try_get("/api/v1/namespaces/default/pods");
            if sa.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the control plane never listed pods; logs in {}",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "slipway-warmup", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "warmup"}]},
        });
        // The API server creates the `default` namespace a moment after it is ready.
        loop {
            match api(
                &self.http_url(),
                "POST",
                "/api/v1/namespaces/default/pods",
                Some(&pod),
                "application/json",
            ) {
                Ok(_) | Err((409, _)) => break,
                Err((s, t)) => assert!(
                    Instant::now() < deadline,
                    "creating the warm-up pod: {s} {t}; logs in {}",
                    self.dir.display()
                ),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        loop {
            let pod = self.get("/api/v1/namespaces/default/pods/slipway-warmup");
            if pod["status"]["phase"] == "Running" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the warm-up pod never ran (scheduler or kubelet loop); pod: {pod}; logs in {}",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = api(
            &self.http_url(),
            "DELETE",
            "/api/v1/namespaces/default/pods/slipway-warmup",
            Some(&json!({"gracePeriodSeconds": 0})),
            "application/json",
        );
    }

    /// The log of component `name` (`etcd`, `kube-apiserver`, …).
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }
}

/// A kubeconfig of the token user on `server`, namespace `namespace`.
fn kubeconfig_text(server: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: slipway-test\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\nusers:\n- name: admin\n  user:\n    token: {TOKEN}\ncontexts:\n- name: slipway-test\n  context:\n    cluster: slipway-test\n    user: admin\n    namespace: {namespace}\ncurrent-context: slipway-test\n"
    )
}

fn spawn(name: &str, mut command: Command, dir: &Path) -> ServerProcess {
    // Its own process group: a Ctrl-C on the test's terminal does not take the
    // control plane down under a test that is still cleaning up.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    ServerProcess::spawn(name, command, &dir.join(format!("{name}.log")))
}

const WATCHDOG: &str = r#"
# Started by slipway-test-support: stops the control plane once the test
# process is gone. Arguments: PARENT DIR PID...
parent=$1 dir=$2; shift 2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
kill -TERM "$@" 2>/dev/null
for _ in 1 2 3 4 5; do
  alive=0
  for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 1
done
kill -KILL "$@" 2>/dev/null
[ -n "$SLIPWAY_KEEP_KUBE" ] || rm -rf "$dir"
"#;

fn start_watchdog(dir: &Path, pids: &[u32]) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(WATCHDOG)
        .arg("slipway-kube-watchdog")
        .arg(std::process::id().to_string())
        .arg(dir)
        .args(pids.iter().map(u32::to_string))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    // Not waited for: it outlives this process by design and is reaped by init.
    let child = command.spawn().expect("start the control-plane watchdog");
    std::mem::forget(child);
}

/// Sends one API request over the plain-HTTP port.
fn api(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    content_type: &str,
) -> Result<Value, (u16, String)> {
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
    let mut headers = vec![("Accept", "application/json")];
    if bytes.is_some() {
        headers.push(("Content-Type", content_type));
    }
    let answer = http::request(
        method,
        &format!("{base}{path}"),
        &headers,
        bytes.as_deref().unwrap_or_default(),
        Duration::from_secs(30),
    )
    .map_err(|e| (0, e.to_string()))?;
    if (200..300).contains(&answer.status) {
        Ok(serde_json::from_slice(&answer.body).unwrap_or(Value::Null))
    } else {
        Err((answer.status, answer.text()))
    }
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (civil-from-days).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Plays kubelet for every pod bound to [`NODE`], forever (the thread dies
/// with the test process).
fn kubelet_loop(base: &str) {
    let mut next_ip: u32 = 0;
    loop {
        if let Ok(list) = api(
            base,
            "GET",
            &format!("/api/v1/pods?fieldSelector=spec.nodeName%3D{NODE}"),
            None,
            "",
        ) {
            for pod in list["items"].as_array().into_iter().flatten() {
                kubelet_step(base, pod, &mut next_ip);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn kubelet_step(base: &str, pod: &Value, next_ip: &mut u32) {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let path = format!("/api/v1/namespaces/{ns}/pods/{name}");
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        // A real kubelet stops the containers, then deletes with grace 0.
        let _ = api(
            base,
            "DELETE",
            &path,
            Some(&json!({"gracePeriodSeconds": 0})),
            "application/json",
        );
        return;
    }
    if pod["status"]["phase"] != "Pending" {
        return;
    }
    let containers = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if containers
        .iter()
        .any(|c| c["image"].as_str().is_some_and(|i| i.contains(NEVER_READY)))
    {
        return;
    }
    *next_ip = *next_ip % 250 + 1;
    let ip = format!("192.0.2.{next_ip}");
    let t = now();
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            json!({"name": c["name"], "image": c["image"], "imageID": "slipway-fake",
                "ready": true, "restartCount": 0, "started": true,
                "state": {"running": {"startedAt": t}}})
        })
        .collect();
    let status = json!({"status": {
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "127.0.0.1",
        "startTime": t,
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": t},
            {"type": "Ready", "status": "True", "lastTransitionTime": t},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": t},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": t},
        ],
        "containerStatuses": statuses,
    }});
    let _ = api(
        base,
        "PATCH",
        &format!("{path}/status"),
        Some(&status),
        "application/merge-patch+json",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_579_600), "2025-12-01T09:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
