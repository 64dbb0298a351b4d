//! The `command` platform and router: shell hooks deploy the sample service, and the route
//! hook rewrites a real nginx's upstream from `{backends}`.

use slipway_test_support::nginx::{Nginx, NginxConfig};
use slipway_test_support::ports::free_port;
use slipway_test_support::sample::sample_service_bin;

use crate::canary_site::{doc, finish, succeeded};

#[test]
fn command_platform_deploys_the_sample_service_through_shell_hooks_blue_green_then_canary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let nginx = Nginx::start(NginxConfig::default());
    let (blue, green) = (free_port(), free_port());
    let config = format!(
        r#"[deploy.environments.test]
strategy = "canary"
platform = "command"
router = "command"
slots = {{ blue = {blue}, green = {green} }}
state_dir = "{d}/state"
start = '''nohup {bin} --port {{port}} --version {{version}} --slot {{slot}} > {d}/{{slot}}.log 2>&1 < /dev/null & echo $! > {d}/{{slot}}.pid'''
stop = '''if [ -f {d}/{{slot}}.pid ]; then kill $(cat {d}/{{slot}}.pid) 2>/dev/null; rm -f {d}/{{slot}}.pid; fi; echo stopped {{slot}} >> {d}/phases.log'''
[deploy.environments.test.command]
prepare = "echo prepared {{version}} for {{slot}} >> {d}/phases.log"
health = "curl -fsS http://{{address}}:{{port}}/health"
health_interval = "50ms"
health_timeout = "10s"
route = '''cat > {d}/routing.json; {{ echo 'upstream {name} {{'; for b in {{backends}}; do echo "  server ${{b%:*}} weight=${{b##*:}};"; done; echo '}}'; }} > {upstream}.tmp && mv {upstream}.tmp {upstream} && {nginx} {args} -s reload && sleep 0.3 && echo routed {{weights}} >> {d}/phases.log'''
[deploy.environments.test.canary]
step_duration = "300ms"
[deploy.environments.test.analysis]
min_samples = 5
max_p95 = "10s"
[deploy.environments.test.analysis.probe]
interval = "10ms"
"#,
        bin = sample_service_bin().display(),
        name = nginx.upstream_name(),
        upstream = nginx.upstream_file().display(),
        nginx = slipway_test_support::program::require("nginx").display(),
        args = nginx.command_args().join(" "),
    );
    let path = dir.path().join("slipway.toml");
    std::fs::write(&path, config).unwrap();
    let deploy = |args: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
        for (k, _) in std::env::vars() {
            if k == "CI" || k.starts_with("GITHUB_") || k.starts_with("SLIPWAY_") {
                cmd.env_remove(k);
            }
        }
        let child = cmd
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .arg("--config")
            .arg(&path)
            .args(["--environment", "test", "--json"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        finish(child)
    };
    let serving = || {
        slipway_test_support::http::get(&format!("{}/version", nginx.url()))
            .ok()
            .filter(|r| r.status == 200)
            .map(|r| r.json()["version"].as_str().unwrap_or_default().to_owned())
    };

    let first = succeeded(&deploy(&["--version", "v1", "--strategy", "blue-green"]));
    assert_eq!(first["slot"], "blue");
    assert_eq!(serving().as_deref(), Some("v1"));

    let second = succeeded(&deploy(&["--version", "v2", "--strategy", "canary"]));
    assert_eq!(second["slot"], "green");
    assert_eq!(serving().as_deref(), Some("v2"));
    let routing: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("routing.json")).unwrap())
            .unwrap();
    assert_eq!(
        routing["backends"][0]["version"], "v2",
        "the routing arrives on stdin"
    );
    let phases = std::fs::read_to_string(dir.path().join("phases.log")).unwrap();
    for line in [
        "prepared v1 for blue",
        "routed blue=1",
        "prepared v2 for green",
        "routed blue=90 green=10",
        "routed blue=70 green=30",
        "routed blue=50 green=50",
        "routed green=1",
    ] {
        assert!(phases.contains(line), "missing {line:?} in:\n{phases}");
    }
    // No HTTP health step: the platform's health command checked the slot.
    let names: Vec<&str> = second["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("health check")),
        "{names:?}"
    );

    // A slot whose health command never succeeds is not routed to.
    let broken = std::fs::read_to_string(&path)
        .unwrap()
        .replace("health_timeout = \"10s\"", "health_timeout = \"300ms\"")
        .replace("/health\"", "/nothing-here\"");
    std::fs::write(&path, broken).unwrap();
    let out = deploy(&["--version", "v3", "--strategy", "canary"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        doc(&out)["error"]
            .as_str()
            .unwrap()
            .contains("health command")
    );
    assert_eq!(serving().as_deref(), Some("v2"));
    for slot in ["blue", "green"] {
        if let Ok(pid) = std::fs::read_to_string(dir.path().join(format!("{slot}.pid"))) {
            let _ = std::process::Command::new("kill")
                .args(["-9", pid.trim()])
                .status();
        }
    }
}
