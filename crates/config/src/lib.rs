//! `slipway.toml`: found at the repository root or in `.github/`, one section per binary,
//! each typed by the binary that owns it. Unknown keys and sections are errors naming the
//! file, line and key. Secrets never live here, only the names of the environment
//! variables that hold them.
#![deny(missing_docs)]

pub mod duration;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

pub use duration::Duration;

/// Where a config file is looked for, in order, relative to the repository root.
pub const CANDIDATES: &[&str] = &["slipway.toml", ".github/slipway.toml"];

/// The sections a config file may hold, one per binary.
pub const SECTIONS: &[&str] = &["version", "quality_gate", "deploy", "rollback", "notify"];

/// What can go wrong reading the config. Every variant maps to exit 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` named a file that is not there or cannot be read.
    #[error("cannot read config {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match a section's schema.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, naming the key.
        message: String,
    },
}

impl From<ConfigError> for slipway_kit::Failure {
    fn from(err: ConfigError) -> Self {
        let help = match &err {
            ConfigError::Unreadable { .. } => {
                "check the --config path, or omit it to use slipway.toml at the repository root"
            }
            ConfigError::Invalid { .. } => {
                "fix the key or value named above; docs/configuration.md lists every key"
            }
        };
        slipway_kit::Failure::bad_input(err.to_string()).help(help)
    }
}

/// A loaded config file (or the empty default when there is none).
#[derive(Clone)]
pub struct ConfigFile {
    path: Option<PathBuf>,
    text: String,
}

impl fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ConfigFile {
    /// Loads `explicit` (which must exist), else the first of [`CANDIDATES`] under `root`,
    /// else an empty config. Checks the top-level sections at once.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> Result<Self, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => CANDIDATES
                .iter()
                .map(|c| root.join(c))
                .find(|p| p.is_file()),
        };
        if let Some(path) = path {
            let text =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::Unreadable {
                    path: path.clone(),
                    source,
                })?;
            Self::from_text(Some(path), text)
        } else {
            tracing::info!(
                "no slipway.toml found under {}; using defaults",
                root.display()
            );
            Ok(Self {
                path: None,
                text: String::new(),
            })
        }
    }

    /// Parses config text; `path` is used in messages.
    pub fn from_text(path: Option<PathBuf>, text: String) -> Result<Self, ConfigError> {
        let file = Self { path, text };
        file.parse_section::<IgnoredAny>(None)?;
        Ok(file)
    }

    /// The file this config came from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The name used in messages: the path, or `slipway.toml`.
    pub fn display_name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "slipway.toml".to_owned(), |p| p.display().to_string())
    }

    /// Deserialises section `name` (one of [`SECTIONS`]) into `T`, or `T::default()` when absent.
    /// Give `T` `#[serde(deny_unknown_fields)]` so stray keys are reported with their line.
    pub fn section<T: DeserializeOwned + Default>(
        &self,
        name: &'static str,
    ) -> Result<T, ConfigError> {
        debug_assert!(SECTIONS.contains(&name), "unknown section {name}");
        Ok(self.parse_section::<T>(Some(name))?.unwrap_or_default())
    }

    fn parse_section<T: DeserializeOwned>(
        &self,
        name: Option<&'static str>,
    ) -> Result<Option<T>, ConfigError> {
        let deserializer = toml::Deserializer::new(&self.text);
        SectionSeed::<T> {
            name,
            marker: std::marker::PhantomData,
        }
        .deserialize(deserializer)
        .map_err(|e| self.invalid(&e))
    }

    fn invalid(&self, err: &toml::de::Error) -> ConfigError {
        let (line, column) = err
            .span()
            .map_or((1, 1), |span| line_col(&self.text, span.start));
        ConfigError::Invalid {
            path: self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from("slipway.toml")),
            line,
            column,
            message: err.message().trim().to_owned(),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct SectionSeed<T> {
    name: Option<&'static str>,
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for SectionSeed<T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for SectionSeed<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of sections")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if Some(key.as_str()) == self.name {
                found = Some(map.next_value::<T>()?);
            } else if SECTIONS.contains(&key.as_str()) {
                map.next_value::<IgnoredAny>()?;
            } else {
                return Err(de::Error::custom(format!(
                    "unknown section `{key}`, expected one of {}",
                    SECTIONS
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Gate {
        min_coverage: Option<f64>,
        timeout: Option<Duration>,
    }

    fn load(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::from_text(Some(PathBuf::from("slipway.toml")), text.to_owned())
    }

    #[test]
    fn reads_its_own_section_and_ignores_the_others() {
        let cfg = load(
            "[deploy]\nanything = 1\n\n[quality_gate]\nmin_coverage = 85.0\ntimeout = \"2m\"\n",
        )
        .unwrap();
        let gate: Gate = cfg.section("quality_gate").unwrap();
        assert_eq!(gate.min_coverage, Some(85.0));
        assert_eq!(
            gate.timeout.unwrap().as_std(),
            std::time::Duration::from_secs(120)
        );
    }

    #[test]
    fn missing_section_is_the_default() {
        let gate: Gate = load("").unwrap().section("quality_gate").unwrap();
        assert_eq!(gate, Gate::default());
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let cfg = load("[quality_gate]\nmin_coverage = 80.0\nmin_coverag = 85\n").unwrap();
        let err = cfg.section::<Gate>("quality_gate").unwrap_err().to_string();
        assert!(err.starts_with("slipway.toml:3:"), "{err}");
        assert!(err.contains("min_coverag"), "{err}");
    }

    #[test]
    fn unknown_section_is_rejected_on_load() {
        let err = load("[quality-gate]\nmin_coverage = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown section `quality-gate`"), "{err}");
        assert!(err.starts_with("slipway.toml:1:"), "{err}");
    }

    #[test]
    fn bad_duration_is_an_error_naming_the_value() {
        let cfg = load("[quality_gate]\ntimeout = \"soon\"\n").unwrap();
        let err = cfg.section::<Gate>("quality_gate").unwrap_err().to_string();
        assert!(err.starts_with("slipway.toml:2:"), "{err}");
        assert!(err.contains("soon"), "{err}");
    }

    #[test]
    fn discovery_prefers_root_then_dot_github_and_requires_explicit_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".github")).unwrap();
        std::fs::write(dir.path().join(".github/slipway.toml"), "[notify]\n").unwrap();
        let cfg = ConfigFile::discover(None, dir.path()).unwrap();
        assert!(cfg.path().unwrap().ends_with(".github/slipway.toml"));
        std::fs::write(dir.path().join("slipway.toml"), "[deploy]\n").unwrap();
        let cfg = ConfigFile::discover(None, dir.path()).unwrap();
        assert!(
            cfg.path().unwrap().ends_with("slipway.toml")
                && !cfg.path().unwrap().to_string_lossy().contains(".github")
        );
        let err =
            ConfigFile::discover(Some(&dir.path().join("nope.toml")), dir.path()).unwrap_err();
        assert!(err.to_string().contains("nope.toml"));
        let empty = tempfile::tempdir().unwrap();
        assert!(
            ConfigFile::discover(None, empty.path())
                .unwrap()
                .path()
                .is_none()
        );
    }
}
