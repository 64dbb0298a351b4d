//! The checks and defaults that turn `[deploy.environments.NAME]` as written into an
//! [`Environment`]: every refusal is bad input naming the file and the key.

use std::collections::BTreeMap;

use slipway_config::Duration;
use slipway_kit::Failure;

use super::strategy::{key_owner, strategy_uses};
use super::{
    DeploySection, Environment, EnvironmentConfig, Host, HostEntry, HostTable, PlatformKind,
    RouterHost, RouterKind, SshTarget, StrategyKind,
};
use crate::platform::kubernetes::config::{HOST as KUBERNETES_HOST, IntOrPercent, IntOrString};
use crate::template;

/// Names keys of one environment in errors: `FILE: deploy.environments.NAME.KEY`.
struct Keys<'a> {
    file: &'a str,
    name: &'a str,
}

impl Keys<'_> {
    /// The full name of `k`.
    fn key(&self, k: &str) -> String {
        format!("{}: deploy.environments.{}.{k}", self.file, self.name)
    }

    /// Bad input at key `k`.
    fn bad(&self, k: &str, why: impl std::fmt::Display) -> Failure {
        Failure::bad_input(format!("{}: {why}", self.key(k)))
    }
}

impl DeploySection {
    /// Checks environment `name` and fills in defaults. `file` names the config in errors.
    pub fn environment(&self, name: &str, file: &str) -> Result<Environment, Failure> {
        let Some(raw) = self.environments.get(name) else {
            let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
            let help = if known.is_empty() {
                format!("add a [deploy.environments.{name}] section to {file} (docs/deploy.md)")
            } else {
                format!("known environments: {}", known.join(", "))
            };
            return Err(Failure::bad_input(format!(
                "{file}: no environment {name:?} in [deploy.environments]"
            ))
            .help(help));
        };
        let keys = Keys { file, name };
        if !template::is_plain_token(name) || name.contains('/') {
            return Err(Failure::bad_input(format!(
                "{file}: environment name {name:?} must be letters, digits, '.', '_' or '-'"
            )));
        }
        let kube = raw.platform == PlatformKind::Kubernetes;
        // Kubernetes rolling replaces a version in place: one slot, the Deployment.
        let in_place = kube && raw.strategy == StrategyKind::Rolling;
        if kube {
            check_kubernetes(raw, &keys)?;
        }
        let slots = slots(raw, in_place, &keys)?;
        let slot_names: Vec<String> = slots.keys().cloned().collect();
        let hosts = hosts(raw, kube, &slots, &keys)?;
        check_commands(raw, kube, &keys)?;
        if raw.router == RouterKind::Nginx && raw.nginx.upstream_file.trim().is_empty() && !kube {
            return Err(keys.bad(
                "nginx.upstream_file",
                "is required with router = \"nginx\" (the file nginx.conf includes with the upstream block)",
            )
            .help("or set router = \"none\" when nothing routes between slots"));
        }
        let router_host = match raw.nginx.host.as_str() {
            "primary" => RouterHost::Primary,
            "local" => RouterHost::Local,
            other => {
                return Err(keys.bad(
                    "nginx.host",
                    format!("{other:?} must be \"primary\" or \"local\""),
                ));
            }
        };
        for (k, ca) in [
            ("health.ca_file", &raw.health.ca_file),
            ("nginx.ca_file", &raw.nginx.ca_file),
        ] {
            if let Some(path) = ca {
                crate::http::check_ca_file(&keys.key(k), path)?;
            }
        }
        if raw.health.failures == 0 || raw.health.successes == 0 {
            return Err(keys.bad("health", "failures and successes must be at least 1"));
        }
        let surge = surge(raw, hosts.len(), &keys)?;
        let (max_surge, max_unavailable) = (surge.surge_hosts, surge.unavailable_hosts);
        let strategy_keys = raw.strategy_keys();
        if let Some(k) = strategy_keys
            .iter()
            .find(|k| !strategy_uses(raw.strategy, k))
        {
            return Err(keys
                .bad(
                    k,
                    format!(
                        "is not used by strategy = \"{}\" ({})",
                        raw.strategy.as_str(),
                        key_owner(k)
                    ),
                )
                .help("remove it, or set the strategy that uses it"));
        }
        if raw.batch_window.is_some() && raw.analysis.is_none() {
            return Err(keys.bad(
                "batch_window",
                "analyses each rolling batch: it needs an [analysis] section",
            ));
        }
        if let Some(var) = &raw.ssh.key_env {
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(keys.bad(
                    "ssh.key_env",
                    format!("{var:?} is not an environment variable name"),
                ));
            }
        }
        if raw.router == RouterKind::Haproxy {
            raw.haproxy.check(&keys.key("haproxy"), hosts.len())?;
        }
        if raw.platform == PlatformKind::Command && hosts.iter().any(|h| h.ssh.is_some()) {
            return Err(keys.bad(
                "hosts",
                "platform = \"command\" runs every phase on this machine: list no SSH hosts",
            ));
        }
        if raw.platform == PlatformKind::Command || raw.router == RouterKind::Command {
            raw.command
                .check(&keys.key("command"), raw.router == RouterKind::Command)?;
        }
        let canary = raw.canary.clone().unwrap_or_default();
        canary.check(&keys.key("canary"))?;
        let analysis = raw.analysis.clone().unwrap_or_default();
        analysis.check(&keys.key("analysis"))?;
        Ok(Environment {
            name: name.to_owned(),
            strategy: raw.strategy,
            url: raw.url.clone(),
            hosts,
            slot_names,
            start: raw.start.clone(),
            stop: raw.stop.clone(),
            command_timeout: raw
                .command_timeout
                .map_or(std::time::Duration::from_secs(300), Duration::as_std),
            ssh: raw.ssh.clone(),
            router: if kube {
                RouterKind::Kubernetes
            } else {
                raw.router
            },
            nginx: raw.nginx.clone(),
            router_host,
            haproxy: raw.haproxy.clone(),
            platform: raw.platform,
            command: raw.command.clone(),
            kubernetes: raw.kubernetes.clone(),
            kubernetes_max_surge: surge.surge.filter(|_| kube),
            kubernetes_max_unavailable: surge.unavailable.filter(|_| kube),
            canary,
            analysis,
            analysis_configured: raw.analysis.is_some(),
            health: raw.health.clone(),
            smoke: raw.smoke.clone(),
            hooks: raw.hooks.clone(),
            hook_timeout: raw
                .hooks
                .timeout
                .map_or(std::time::Duration::from_secs(600), Duration::as_std),
            validation_window: raw.validation_window.as_std(),
            max_unavailable,
            max_surge,
            batch_window: raw
                .batch_window
                .map_or(std::time::Duration::from_secs(30), Duration::as_std),
            strategy_keys,
            keep_previous: raw.keep_previous.unwrap_or(true),
            state_dir: raw
                .state_dir
                .clone()
                .or_else(|| {
                    self.state_dir
                        .as_ref()
                        .map(|d| format!("{}/{name}", d.trim_end_matches('/')))
                })
                .unwrap_or_else(|| format!("~/.slipway/{name}")),
            history: raw.history.or(self.history).unwrap_or(50).max(1),
            lock_ttl: raw
                .lock_ttl
                .or(self.lock_ttl)
                .map_or(std::time::Duration::from_secs(3600), Duration::as_std),
        })
    }
}

/// `platform = "kubernetes"`: no hosts, no router of its own, and its section checked.
fn check_kubernetes(raw: &EnvironmentConfig, keys: &Keys<'_>) -> Result<(), Failure> {
    if !raw.hosts.is_empty() {
        return Err(keys.bad(
            "hosts",
            "platform = \"kubernetes\" runs in the cluster of [kubernetes]: list no hosts",
        ));
    }
    if !matches!(raw.router, RouterKind::Nginx | RouterKind::Kubernetes)
        || !raw.nginx.upstream_file.is_empty()
    {
        return Err(keys.bad(
            "router",
            "platform = \"kubernetes\" routes through its Service: leave router unset",
        ));
    }
    raw.kubernetes.check(
        &keys.key("kubernetes"),
        raw.strategy != StrategyKind::Rolling,
    )
}

/// The slots and their default ports: two plain names, or the one Deployment of a
/// Kubernetes version replaced in place.
fn slots(
    raw: &EnvironmentConfig,
    in_place: bool,
    keys: &Keys<'_>,
) -> Result<BTreeMap<String, u16>, Failure> {
    let slots = if in_place {
        BTreeMap::from([(raw.kubernetes.deployment.clone(), 0)])
    } else if raw.slots.is_empty() {
        BTreeMap::from([("blue".to_owned(), 8081), ("green".to_owned(), 8082)])
    } else {
        raw.slots.clone()
    };
    if slots.len() != 2 && !in_place {
        return Err(keys.bad(
            "slots",
            format!(
                "needs exactly two slots (e.g. blue and green), found {}",
                slots.len()
            ),
        ));
    }
    for slot in slots.keys() {
        if !template::is_plain_token(slot) {
            return Err(keys.bad("slots", format!("slot name {slot:?} must be a plain word")));
        }
    }
    Ok(slots)
}

/// The hosts, resolved: SSH destination, address, name and slot ports, each name and
/// address a safe token, no host twice.
fn hosts(
    raw: &EnvironmentConfig,
    kube: bool,
    slots: &BTreeMap<String, u16>,
    keys: &Keys<'_>,
) -> Result<Vec<Host>, Failure> {
    let entries = if kube {
        vec![HostEntry::Table(HostTable {
            ssh: "local".to_owned(),
            address: Some(KUBERNETES_HOST.to_owned()),
            name: Some(KUBERNETES_HOST.to_owned()),
            slots: None,
        })]
    } else if raw.hosts.is_empty() {
        vec![HostEntry::Plain("local".to_owned())]
    } else {
        raw.hosts.clone()
    };
    let mut hosts = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let (ssh, address, host_name, host_slots) = match entry {
            HostEntry::Plain(s) => (s.clone(), None, None, None),
            HostEntry::Table(t) => (
                t.ssh.clone(),
                t.address.clone(),
                t.name.clone(),
                t.slots.clone(),
            ),
        };
        let target = if ssh == "local" || ssh == "localhost" {
            None
        } else {
            Some(SshTarget::parse(&ssh).map_err(|e| keys.bad(&format!("hosts[{i}]"), e))?)
        };
        let address = address.unwrap_or_else(|| {
            target
                .as_ref()
                .map_or_else(|| "127.0.0.1".to_owned(), |t| t.host.clone())
        });
        let host_name = host_name.unwrap_or_else(|| match &target {
            None => "local".to_owned(),
            Some(t) => match t.port {
                Some(p) if p != 22 => format!("{}:{p}", t.host),
                _ => t.host.clone(),
            },
        });
        let field = |k: &str| format!("{}.{k}", keys.key(&format!("hosts[{i}]")));
        check_token(&field("name"), &host_name, template::TokenKind::Name)?;
        check_token(&field("address"), &address, template::TokenKind::Address)?;
        let host_slots = host_slots.unwrap_or_else(|| slots.clone());
        if host_slots.keys().ne(slots.keys()) {
            let names: Vec<&str> = slots.keys().map(String::as_str).collect();
            return Err(keys.bad(
                &format!("hosts[{i}].slots"),
                format!("must name the same slots as `slots` ({})", names.join(", ")),
            ));
        }
        if hosts.iter().any(|h: &Host| h.name == host_name) {
            return Err(keys.bad(
                &format!("hosts[{i}]"),
                format!("host {host_name:?} is listed twice"),
            ));
        }
        hosts.push(Host {
            name: host_name,
            ssh: target,
            address,
            slots: host_slots,
        });
    }
    Ok(hosts)
}

/// `start` and `stop` (required but on Kubernetes), and every command template: only
/// known placeholders.
fn check_commands(raw: &EnvironmentConfig, kube: bool, keys: &Keys<'_>) -> Result<(), Failure> {
    if raw.start.trim().is_empty() && !kube {
        return Err(keys.bad(
            "start",
            "is required: the command that starts {version} in {slot} on {port}",
        ));
    }
    if raw.stop.trim().is_empty() && !kube {
        return Err(keys.bad(
            "stop",
            "is required: the command that stops whatever runs in {slot}",
        ));
    }
    let mut templates: Vec<(String, &str)> = vec![
        ("start".into(), &raw.start),
        ("stop".into(), &raw.stop),
        ("health.url".into(), &raw.health.url),
        ("nginx.probe_expect".into(), &raw.nginx.probe_expect),
    ];
    if let Some(p) = &raw.nginx.probe_url {
        templates.push(("nginx.probe_url".into(), p));
    }
    for (i, c) in raw.smoke.commands.iter().enumerate() {
        templates.push((format!("smoke.commands[{i}]"), c));
    }
    for (hook, list) in [
        ("pre_deploy", &raw.hooks.pre_deploy),
        ("post_switch", &raw.hooks.post_switch),
        ("on_failure", &raw.hooks.on_failure),
    ] {
        for (i, c) in list.iter().enumerate() {
            templates.push((format!("hooks.{hook}[{i}]"), c));
        }
    }
    for (k, t) in &templates {
        if let Some(unknown) = template::unknown_placeholder(t) {
            return Err(keys
                .bad(k, format!("unknown placeholder {{{unknown}}}"))
                .help(format!(
                    "placeholders: {}",
                    template::VARIABLES
                        .iter()
                        .map(|v| format!("{{{v}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
        }
    }
    Ok(())
}

/// Rolling's `max_surge` and `max_unavailable`, as written and in hosts.
struct Batching {
    surge: Option<IntOrPercent>,
    unavailable: Option<IntOrPercent>,
    surge_hosts: usize,
    unavailable_hosts: usize,
}

/// Rolling's `max_surge` and `max_unavailable`, as Kubernetes defines them: a number or
/// a percentage (of the `hosts` here; of the replicas on a Deployment, which gets them as
/// written), a surge rounded up and unavailable rounded down. Unavailable defaults to 1,
/// or 0 when a surge is set; both written as 0 could move nothing. Percentages that both
/// round to 0 hosts make one host unavailable at a time, as Kubernetes does for pods.
fn surge(raw: &EnvironmentConfig, hosts: usize, keys: &Keys<'_>) -> Result<Batching, Failure> {
    let parse = |k: &str, written: Option<&IntOrString>, at_most_100: bool| {
        written
            .map(|w| IntOrPercent::parse(w, at_most_100))
            .transpose()
            .map_err(|why| keys.bad(k, why))
    };
    let surge = parse("max_surge", raw.max_surge.as_ref(), false)?;
    let unavailable = parse("max_unavailable", raw.max_unavailable.as_ref(), true)?;
    let zero =
        |v: Option<IntOrPercent>, default_zero: bool| v.map_or(default_zero, IntOrPercent::is_zero);
    if zero(surge, true) && zero(unavailable, surge.is_some()) {
        return Err(keys
            .bad(
                "max_unavailable",
                "max_surge and max_unavailable cannot both be 0: nothing could move",
            )
            .help("max_surge = 1, max_unavailable = 0 keeps every host serving"));
    }
    let max_surge = surge.map_or(0, |s| s.of(hosts.max(1), true));
    let mut max_unavailable =
        unavailable.map_or(usize::from(surge.is_none()), |u| u.of(hosts.max(1), false));
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    Ok(Batching {
        surge,
        unavailable,
        surge_hosts: max_surge,
        unavailable_hosts: max_unavailable,
    })
}

/// Checks a `--version` value: a token safe in commands and file names (exit 2 naming
/// the flag otherwise).
pub fn check_version(version: &str) -> Result<(), Failure> {
    check_token("--version", version, template::TokenKind::Version)
}

/// Checks that `value`, given as `field`, is a safe token of `kind`
/// ([`template::token_problem`]); the refusal is bad input naming the field.
pub fn check_token(field: &str, value: &str, kind: template::TokenKind) -> Result<(), Failure> {
    match template::token_problem(value, kind) {
        None => Ok(()),
        Some(why) => Err(Failure::bad_input(format!("{field} {value:?} {why}")).help(
            match kind {
                template::TokenKind::Version => {
                    "use letters, digits and '.', '_', '-', '+', ':', '@', with '/' only between segments (e.g. v1.2.3)"
                }
                template::TokenKind::Name => "use letters, digits and '.', '_', '-' (e.g. web1)",
                template::TokenKind::Address => {
                    "use a host name or an IP address (e.g. 10.0.0.5 or web1.example.com)"
                }
            },
        )),
    }
}
