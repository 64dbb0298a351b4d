//! Message ids kept between `notify` runs, so a result can update the message that
//! announced its start (Slack `chat.update` of a "deploy started" message). A small JSON
//! file, written atomically: `{"slack": {"KEY": {"channel": "C…", "ts": "…"}}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One posted Slack message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackMessage {
    /// Channel id Slack answered with.
    pub channel: String,
    /// Message timestamp (its id).
    pub ts: String,
}

/// The state file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Slack messages by key (`CHANNEL/EVENT/ENVIRONMENT`).
    #[serde(default)]
    pub slack: BTreeMap<String, SlackMessage>,
}

impl State {
    /// Reads `path`; a missing or unreadable file is an empty state (with a warning for
    /// the unreadable case, since only message threading is lost).
    pub fn load(path: Option<&Path>) -> Self {
        let Some(path) = path else {
            return Self::default();
        };
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!("ignoring state file {}: {e}", path.display());
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    /// Writes the state atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        slipway_kit::fs::write_atomic(path, format!("{text}\n").as_bytes())
    }
}

/// The state file: `--state`, else `[notify] state_file`, else
/// `$RUNNER_TEMP/slipway-notify-state.json` in Actions, else none.
pub fn path(flag: Option<&Path>, config: Option<&Path>) -> Option<PathBuf> {
    flag.or(config).map(Path::to_path_buf).or_else(|| {
        std::env::var_os("RUNNER_TEMP")
            .filter(|v| !v.is_empty())
            .map(|d| PathBuf::from(d).join("slipway-notify-state.json"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/state.json");
        assert_eq!(State::load(Some(&p)), State::default());
        let mut s = State::default();
        s.slack.insert(
            "ops/deploy/production".into(),
            SlackMessage {
                channel: "C1".into(),
                ts: "1.2".into(),
            },
        );
        s.save(&p).unwrap();
        assert_eq!(State::load(Some(&p)), s);
    }
}
