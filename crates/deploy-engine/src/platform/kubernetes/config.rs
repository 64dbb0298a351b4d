//! `[deploy.environments.NAME.kubernetes]`.
//!
//! ```toml
//! [deploy.environments.production]
//! platform = "kubernetes"
//! strategy = "blue-green"
//! [deploy.environments.production.kubernetes]
//! context = "prod-eks"
//! namespace = "shop-production"
//! deployment = "shop"            # blue-green and canary: shop-blue and shop-green
//! image = "ghcr.io/acme/shop:{version}"
//! service = "shop"
//! preview_service = "shop-preview"
//! scale_down_delay = "30s"
//! ```

use serde::Deserialize;
use slipway_config::Duration;
use slipway_kit::Failure;

/// The one "host" of a Kubernetes environment, in logs and the ledger.
pub const HOST: &str = "kubernetes";

/// `max_surge` or `max_unavailable` as written: a number or a string, checked by
/// [`IntOrPercent::parse`] (Kubernetes' IntOrString).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// `max_surge = 1`.
    Int(i64),
    /// `max_surge = "25%"`.
    Text(String),
}

/// A number or a percentage, as a Deployment's `maxSurge` and `maxUnavailable` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    /// A number of pods or hosts.
    Int(u32),
    /// A percentage of the replicas or hosts, `"25%"`.
    Percent(u32),
}

impl IntOrPercent {
    /// Checks `written`: a whole number of at least 0, or `"N%"` (N at most 100 when
    /// `at_most_100`, as Kubernetes allows for `maxUnavailable`). The error says why.
    pub fn parse(written: &IntOrString, at_most_100: bool) -> Result<Self, String> {
        let percent = match written {
            IntOrString::Int(n) => {
                return u32::try_from(*n)
                    .map(Self::Int)
                    .map_err(|_| format!("{n} is not a number of pods or hosts (0 or more)"));
            }
            IntOrString::Text(t) => t
                .strip_suffix('%')
                .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
                .and_then(|d| d.parse::<u32>().ok())
                .ok_or_else(|| {
                    format!("{t:?} is neither a number nor a percentage like \"25%\"")
                })?,
        };
        if at_most_100 && percent > 100 {
            return Err(format!("\"{percent}%\" is more than 100%"));
        }
        Ok(Self::Percent(percent))
    }

    /// Whether it is 0 (`0` or `"0%"`).
    pub fn is_zero(self) -> bool {
        matches!(self, Self::Int(0) | Self::Percent(0))
    }

    /// How many of `total` it is, rounding a percentage up (`round_up`, as Kubernetes does
    /// for `maxSurge`) or down (`maxUnavailable`).
    pub fn of(self, total: usize, round_up: bool) -> usize {
        match self {
            Self::Int(n) => n as usize,
            Self::Percent(p) => {
                let scaled = total * p as usize;
                if round_up {
                    scaled.div_ceil(100)
                } else {
                    scaled / 100
                }
            }
        }
    }

    /// The value for the Deployment's JSON (`1` or `"25%"`).
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Self::Int(n) => serde_json::json!(n),
            Self::Percent(p) => serde_json::json!(format!("{p}%")),
        }
    }
}

/// `[deploy.environments.NAME.kubernetes]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KubernetesConfig {
    /// The kubeconfig context (default: the current context).
    pub context: Option<String>,
    /// The kubeconfig file (default: `KUBECONFIG`, else `~/.kube/config`).
    pub kubeconfig: Option<String>,
    /// The namespace (default: the context's namespace).
    pub namespace: Option<String>,
    /// The Deployment to roll (rolling), or the base name of the per-slot Deployments
    /// `NAME-blue` and `NAME-green` (blue-green, canary).
    pub deployment: String,
    /// The container whose image changes (default: the only one).
    pub container: Option<String>,
    /// Image template, e.g. `ghcr.io/acme/api:{version}`.
    pub image: String,
    /// The Service whose selector moves traffic (blue-green) or spans stable and canary
    /// pods (canary). Optional for rolling.
    pub service: Option<String>,
    /// A Service on the new slot for smoke tests before the switch.
    pub preview_service: Option<String>,
    /// How long a rollout may take (default: the Deployment's `progressDeadlineSeconds`).
    pub progress_deadline: Option<Duration>,
    /// How long the old slot keeps its pods after a switch (default 30s).
    pub scale_down_delay: Duration,
    /// How long a Service change may take to show in its endpoints (default 30s).
    pub switch_timeout: Duration,
    /// The kubectl program (default `kubectl`).
    pub kubectl: String,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        Self {
            context: None,
            kubeconfig: None,
            namespace: None,
            deployment: String::new(),
            container: None,
            image: String::new(),
            service: None,
            preview_service: None,
            progress_deadline: None,
            scale_down_delay: Duration::from_secs(30),
            switch_timeout: Duration::from_secs(30),
            kubectl: "kubectl".to_owned(),
        }
    }
}

/// A Kubernetes object name: lowercase letters, digits and '-', at most 63.
pub fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

impl KubernetesConfig {
    /// Checks the section; `key` prefixes errors (`slipway.toml: deploy.environments.x.kubernetes`).
    /// `slotted` is true for blue-green and canary (a Service is required).
    pub fn check(&self, key: &str, slotted: bool) -> Result<(), Failure> {
        if self.deployment.trim().is_empty() {
            return Err(Failure::bad_input(format!(
                "{key}.deployment: is required with platform = \"kubernetes\" (the Deployment to roll, or the base name of NAME-blue and NAME-green)"
            )));
        }
        for (k, v) in [
            ("deployment", Some(&self.deployment)),
            ("service", self.service.as_ref()),
            ("preview_service", self.preview_service.as_ref()),
            ("namespace", self.namespace.as_ref()),
            ("container", self.container.as_ref()),
        ] {
            if let Some(v) = v {
                if !is_name(v) {
                    return Err(Failure::bad_input(format!(
                        "{key}.{k}: {v:?} is not a Kubernetes name (lowercase letters, digits, '-', '.')"
                    )));
                }
            }
        }
        if !self.image.contains("{version}") {
            return Err(Failure::bad_input(format!(
                "{key}.image: {:?} must contain {{version}}",
                self.image
            ))
            .help("e.g. image = \"ghcr.io/acme/api:{version}\""));
        }
        if slotted && self.service.is_none() {
            return Err(Failure::bad_input(format!(
                "{key}.service: is required with blue-green and canary (the Service whose selector moves traffic)"
            )));
        }
        if self.preview_service.is_some() && self.preview_service == self.service {
            return Err(Failure::bad_input(format!(
                "{key}.preview_service: must not be the same Service as `service`"
            )));
        }
        if self.progress_deadline.is_some_and(|d| d.as_std().is_zero()) {
            return Err(Failure::bad_input(format!(
                "{key}.progress_deadline: must be longer than 0s"
            )));
        }
        if self.kubectl.trim().is_empty() {
            return Err(Failure::bad_input(format!(
                "{key}.kubectl: must name the kubectl program"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> KubernetesConfig {
        KubernetesConfig {
            deployment: "web".into(),
            image: "example/web:{version}".into(),
            service: Some("web".into()),
            ..KubernetesConfig::default()
        }
    }

    #[test]
    fn percentages_round_as_kubernetes_does_and_bad_ones_say_why() {
        let p = |t: &str, cap| IntOrPercent::parse(&IntOrString::Text(t.into()), cap);
        assert_eq!(p("25%", true), Ok(IntOrPercent::Percent(25)));
        assert_eq!(p("150%", false), Ok(IntOrPercent::Percent(150)));
        assert!(p("150%", true).unwrap_err().contains("more than 100%"));
        assert!(p("abc", false).unwrap_err().contains("percentage like"));
        assert!(
            p("2", false).is_err(),
            "a number in a string is not a percentage"
        );
        assert!(IntOrPercent::parse(&IntOrString::Int(-1), false).is_err());
        // 25% of 10: surge 3 (up), unavailable 2 (down).
        assert_eq!(IntOrPercent::Percent(25).of(10, true), 3);
        assert_eq!(IntOrPercent::Percent(25).of(10, false), 2);
        assert_eq!(IntOrPercent::Int(2).of(10, true), 2);
        assert_eq!(
            IntOrPercent::Percent(25).to_json(),
            serde_json::json!("25%")
        );
        assert!(IntOrPercent::Percent(0).is_zero());
    }

    #[test]
    fn image_needs_the_version_placeholder() {
        let mut c = valid();
        c.image = "example/web:latest".into();
        let err = c.check("k", true).unwrap_err();
        assert!(err.cause.starts_with("k.image:"), "{}", err.cause);
    }

    #[test]
    fn blue_green_needs_a_service_and_rolling_does_not() {
        let mut c = valid();
        c.service = None;
        assert!(c.check("k", false).is_ok());
        assert!(c.check("k", true).unwrap_err().cause.contains("k.service"));
    }

    #[test]
    fn names_are_kubernetes_names() {
        let mut c = valid();
        c.deployment = "Web_App".into();
        assert!(
            c.check("k", false)
                .unwrap_err()
                .cause
                .contains("deployment")
        );
    }

    /// Every TOML example of docs/deploy.md's Kubernetes section is a valid config.
    #[test]
    fn the_documented_kubernetes_recipes_are_valid_environments() {
        let doc = include_str!("../../../../../docs/deploy.md");
        let start = doc.find("## The `kubernetes` platform").unwrap();
        let end = start + doc[start..].find("\n## GitHub Deployments").unwrap();
        let mut checked = 0;
        for block in doc[start..end].split("```toml\n").skip(1) {
            let text = block.split("```").next().unwrap();
            let file = slipway_config::ConfigFile::from_text(None, text.to_owned()).unwrap();
            let section = crate::DeploySection::load(&file).unwrap();
            for name in section.environments.keys() {
                let env = section
                    .environment(name, "docs/deploy.md")
                    .unwrap_or_else(|e| panic!("{name}: {}", e.cause));
                assert_eq!(env.platform, crate::config::PlatformKind::Kubernetes);
                checked += 1;
            }
        }
        assert_eq!(
            checked, 6,
            "the example, three environments of seed 000, two of 004"
        );
    }
}
