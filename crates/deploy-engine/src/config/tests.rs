//! `[deploy]` read from text and checked into environments.

use super::*;
use crate::platform::kubernetes::config::IntOrPercent;

fn section(text: &str) -> Result<DeploySection, Failure> {
    let file =
        slipway_config::ConfigFile::from_text(None, text.to_owned()).map_err(Failure::from)?;
    DeploySection::load(&file)
}

const STAGING: &str = r#"
[deploy.environments.staging]
strategy = "blue-green"
hosts = ["local", { ssh = "deploy@10.0.0.2:2222", name = "web2", slots = { blue = 9001, green = 9002 } }]
start = "run {version} on {port}"
stop = "stop {slot}"
[deploy.environments.staging.nginx]
upstream_file = "/etc/nginx/upstream.conf"
"#;

#[test]
fn staging_environment_fills_in_defaults() {
    let env = section(STAGING)
        .unwrap()
        .environment("staging", "slipway.toml")
        .unwrap();
    assert_eq!(env.slot_names, ["blue", "green"]);
    assert_eq!(env.hosts[0].name, "local");
    assert_eq!(env.hosts[0].slots["green"], 8082);
    let web2 = &env.hosts[1];
    assert_eq!(web2.name, "web2");
    assert_eq!(web2.address, "10.0.0.2");
    assert_eq!(web2.ssh.as_ref().unwrap().port, Some(2222));
    assert_eq!(web2.slots["blue"], 9001);
    assert_eq!(env.health.failures, 3);
    assert_eq!(env.state_dir, "~/.slipway/staging");
    assert_eq!(env.other_slot("blue"), "green");
}

#[test]
fn unknown_key_names_file_and_line() {
    let err = section("[deploy.environments.staging]\nstrat = \"rolling\"\n").unwrap_err();
    assert!(err.cause.contains("strat"), "{}", err.cause);
    assert!(err.cause.contains(":2:"), "{}", err.cause);
}

#[test]
fn misspelt_placeholder_is_bad_input_naming_the_key() {
    let text = STAGING.replace("run {version}", "run {verison}");
    let err = section(&text)
        .unwrap()
        .environment("staging", "slipway.toml")
        .unwrap_err();
    assert!(
        err.cause.contains("deploy.environments.staging.start"),
        "{}",
        err.cause
    );
    assert!(err.cause.contains("{verison}"), "{}", err.cause);
}

#[test]
fn missing_environment_lists_the_known_ones() {
    let err = section(STAGING)
        .unwrap()
        .environment("prod", "slipway.toml")
        .unwrap_err();
    assert!(err.help.unwrap().contains("staging"));
}

#[test]
fn nginx_router_needs_an_upstream_file() {
    let text = "[deploy.environments.dev]\nstart = \"a\"\nstop = \"b\"\n";
    let err = section(text)
        .unwrap()
        .environment("dev", "slipway.toml")
        .unwrap_err();
    assert!(err.cause.contains("nginx.upstream_file"), "{}", err.cause);
}

#[test]
fn ssh_targets_parse() {
    let t = SshTarget::parse("deploy@web1:2222").unwrap();
    assert_eq!(
        (t.user.as_deref(), t.host.as_str(), t.port),
        (Some("deploy"), "web1", Some(2222))
    );
    assert_eq!(SshTarget::parse("web1").unwrap().destination(), "web1");
    assert!(SshTarget::parse("web1:ssh").is_err());
    assert!(SshTarget::parse("a;b@web1").is_err());
}

fn dev(top: &str) -> Result<Environment, Failure> {
    let text = format!(
        "[deploy.environments.dev]\nstart = \"a\"\nstop = \"b\"\nrouter = \"none\"\n{top}\n"
    );
    section(&text).unwrap().environment("dev", "slipway.toml")
}

#[test]
fn seed_development_rolling_with_surge_and_no_unavailable_is_accepted() {
    let env = dev("strategy = \"rolling\"\nmax_surge = 1\nmax_unavailable = 0").unwrap();
    assert_eq!((env.max_surge, env.max_unavailable), (1, 0));
    let env = dev("strategy = \"rolling\"\nmax_surge = 2").unwrap();
    assert_eq!((env.max_surge, env.max_unavailable), (2, 0));
    let env = dev("strategy = \"rolling\"").unwrap();
    assert_eq!((env.max_surge, env.max_unavailable), (0, 1));
}

#[test]
fn surge_and_unavailable_both_zero_is_refused() {
    let err = dev("strategy = \"rolling\"\nmax_surge = 0\nmax_unavailable = 0").unwrap_err();
    assert!(err.cause.contains("max_unavailable"), "{}", err.cause);
    assert!(err.cause.contains("both be 0"), "{}", err.cause);
}

#[test]
fn a_key_the_strategy_does_not_use_is_an_error_naming_it() {
    let err = dev("strategy = \"blue-green\"\nmax_surge = 1").unwrap_err();
    assert!(
        err.cause.contains(
            "deploy.environments.dev.max_surge: is not used by strategy = \"blue-green\""
        ),
        "{}",
        err.cause
    );
    let err = dev("strategy = \"rolling\"\n[deploy.environments.dev.canary]\nsteps = [50, 100]")
        .unwrap_err();
    assert!(err.cause.contains("dev.canary"), "{}", err.cause);
    let err = dev("strategy = \"rolling\"\nbatch_window = \"5s\"").unwrap_err();
    assert!(err.cause.contains("[analysis]"), "{}", err.cause);
}

#[test]
fn a_strategy_override_names_the_keys_it_ignores() {
    let env = dev("strategy = \"rolling\"\nmax_surge = 1").unwrap();
    assert!(env.unused_by(StrategyKind::Rolling).is_empty());
    let warnings = env.unused_by(StrategyKind::BlueGreen);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("dev.max_surge"), "{warnings:?}");
}

#[test]
fn versions_are_checked() {
    assert!(check_version("v1.2.3").is_ok());
    assert!(check_version("v1 && reboot").is_err());
    let err = check_version("../../..").unwrap_err();
    assert_eq!(err.exit, slipway_kit::Exit::BadInput);
    assert!(
        err.cause
            .starts_with("--version \"../../..\" has a '..' segment"),
        "{}",
        err.cause
    );
}

#[test]
fn host_name_and_address_are_tokens_and_a_refusal_names_the_field() {
    for (table, field) in [
        (r#"{ ssh = "local", name = "../web1" }"#, "hosts[0].name"),
        (r#"{ ssh = "local", name = "-web1" }"#, "hosts[0].name"),
        (
            r#"{ ssh = "local", address = "10.0.0.5; reboot" }"#,
            "hosts[0].address",
        ),
        (r#"{ ssh = "local", address = "/srv" }"#, "hosts[0].address"),
    ] {
        let text = STAGING.replace(r#"hosts = ["local", "#, &format!("hosts = [{table}, "));
        let err = section(&text)
            .unwrap()
            .environment("staging", "slipway.toml")
            .unwrap_err();
        assert_eq!(err.exit, slipway_kit::Exit::BadInput);
        assert!(
            err.cause.starts_with(&format!(
                "slipway.toml: deploy.environments.staging.{field} "
            )),
            "{}",
            err.cause
        );
    }
    assert!(SshTarget::parse("deploy@-oProxyCommand=x").is_err());
    assert!(SshTarget::parse("../x@web1").is_err());
}

fn fleet(top: &str) -> Result<Environment, Failure> {
    let text = format!(
        "[deploy.environments.fleet]\nstrategy = \"rolling\"\nstart = \"a\"\nstop = \"b\"\nrouter = \"none\"\n\
         hosts = [\"deploy@10.0.0.1\", \"deploy@10.0.0.2\", \"deploy@10.0.0.3\", \"deploy@10.0.0.4\", \"deploy@10.0.0.5\"]\n{top}\n"
    );
    section(&text).unwrap().environment("fleet", "slipway.toml")
}

#[test]
fn percentages_of_hosts_round_as_kubernetes_does_surge_up_and_unavailable_down() {
    // 25 % of 5 hosts: a surge of 2 (1.25 up), 1 unavailable (1.25 down).
    let env = fleet("max_surge = \"25%\"\nmax_unavailable = \"25%\"").unwrap();
    assert_eq!((env.max_surge, env.max_unavailable), (2, 1));
    let env = fleet("max_surge = \"100%\"\nmax_unavailable = 0").unwrap();
    assert_eq!((env.max_surge, env.max_unavailable), (5, 0));
    // 10 % of 5 rounds down to no host: one at a time, as Kubernetes does for pods.
    let env = fleet("max_unavailable = \"10%\"").unwrap();
    assert_eq!((env.max_surge, env.max_unavailable), (0, 1));
}

#[test]
fn a_bad_percentage_is_an_error_naming_the_key() {
    let err = fleet("max_surge = \"lots\"").unwrap_err();
    assert!(
        err.cause
            .contains("deploy.environments.fleet.max_surge: \"lots\" is neither"),
        "{}",
        err.cause
    );
    let err = fleet("max_unavailable = \"150%\"").unwrap_err();
    assert!(
        err.cause
            .contains("deploy.environments.fleet.max_unavailable: \"150%\" is more than 100%"),
        "{}",
        err.cause
    );
    let err = fleet("max_surge = -1").unwrap_err();
    assert!(err.cause.contains("fleet.max_surge"), "{}", err.cause);
    let err = fleet("max_surge = \"0%\"\nmax_unavailable = \"0%\"").unwrap_err();
    assert!(err.cause.contains("both be 0"), "{}", err.cause);
}

#[test]
fn kubernetes_gets_percentages_as_written() {
    let text = "[deploy.environments.k]\nplatform = \"kubernetes\"\nstrategy = \"rolling\"\n\
        max_surge = \"25%\"\nmax_unavailable = 0\n\
        [deploy.environments.k.kubernetes]\ndeployment = \"web\"\nimage = \"example/web:{version}\"\n";
    let env = section(text)
        .unwrap()
        .environment("k", "slipway.toml")
        .unwrap();
    assert_eq!(env.kubernetes_max_surge, Some(IntOrPercent::Percent(25)));
    assert_eq!(env.kubernetes_max_unavailable, Some(IntOrPercent::Int(0)));
}
