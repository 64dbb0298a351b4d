//! `strategy` and the keys only one strategy reads (`max_surge`, `canary`, …): a key the
//! chosen strategy does not use is an error, or a warning under a `--strategy` override.

use serde::Deserialize;
use slipway_kit::Failure;

/// How a version replaces the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    /// Start the new version in the standby slot on every host, check it, switch all traffic.
    #[default]
    BlueGreen,
    /// Move hosts to the new version in batches of `max_surge + max_unavailable`.
    Rolling,
    /// Move traffic to the new version in steps, analysing it at each.
    Canary,
}

impl StrategyKind {
    /// The name used in config, flags and documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlueGreen => "blue-green",
            Self::Rolling => "rolling",
            Self::Canary => "canary",
        }
    }

    /// Parses a `--strategy` value.
    pub fn parse(text: &str) -> Result<Self, Failure> {
        match text {
            "blue-green" | "bluegreen" => Ok(Self::BlueGreen),
            "rolling" => Ok(Self::Rolling),
            "canary" => Ok(Self::Canary),
            other => Err(Failure::bad_input(format!("unknown strategy {other:?}"))
                .help("use blue-green, rolling or canary")),
        }
    }
}

/// Whether strategy `kind` reads key `key` (one of [`super::EnvironmentConfig::strategy_keys`]).
pub(super) fn strategy_uses(kind: StrategyKind, key: &str) -> bool {
    match key {
        "max_surge" | "max_unavailable" | "batch_window" => kind == StrategyKind::Rolling,
        "canary" => kind == StrategyKind::Canary,
        _ => true,
    }
}

/// Which strategy a strategy-specific key belongs to, for messages.
pub(super) fn key_owner(key: &str) -> &'static str {
    if key == "canary" {
        "only canary reads it"
    } else {
        "only rolling reads it"
    }
}
