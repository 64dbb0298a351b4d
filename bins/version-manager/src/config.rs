//! The `[version]` section of `slipway.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::version::Level;

/// `[version]`: how versions are found, computed and written.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VersionConfig {
    /// Prefix of new tags (`v` gives `v1.2.3`). Tags with and without it are both read.
    pub tag_prefix: String,
    /// The first version when there is no tag and no version file.
    pub initial_version: semver::Version,
    /// Version files to update; empty means detect the usual ones at the repository root.
    pub files: Vec<FileSpec>,
    /// The changelog file `prepare-release` prepends to.
    pub changelog: PathBuf,
    /// While major is 0, a breaking change bumps minor.
    pub major_zero_breaking_bumps_minor: bool,
    /// With no `--pre`, a current prerelease is promoted to its release
    /// (`1.3.0-rc.2` to `1.3.0`), as semantic-release does on a release branch. `false`:
    /// it stays on its channel (`1.3.0-rc.3`) until asked (`--promote`, or an explicit
    /// `--type`/level).
    pub promote_prereleases: bool,
    /// Extra commit types that release, or overrides: `docs = "patch"`, `feat = "patch"`.
    pub types: BTreeMap<String, Level>,
    /// Message of the release commit; `{version}` and `{tag}` are replaced.
    pub release_commit_message: String,
    /// The remote `--push` pushes to.
    pub remote: String,
    /// Monorepo packages, each with its own tags and files.
    pub packages: BTreeMap<String, PackageConfig>,
}

impl Default for VersionConfig {
    fn default() -> Self {
        Self {
            tag_prefix: "v".to_owned(),
            initial_version: semver::Version::new(0, 1, 0),
            files: Vec::new(),
            changelog: PathBuf::from("CHANGELOG.md"),
            major_zero_breaking_bumps_minor: true,
            promote_prereleases: true,
            types: BTreeMap::new(),
            release_commit_message: "chore(release): {tag}".to_owned(),
            remote: "origin".to_owned(),
            packages: BTreeMap::new(),
        }
    }
}

/// `[version.packages.NAME]`: a package of a monorepo.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PackageConfig {
    /// Directory of the package; only commits touching it count.
    pub path: PathBuf,
    /// Tag prefix, e.g. `api-v` (default: `NAME-v`).
    pub tag_prefix: Option<String>,
    /// Version files, relative to the repository root (default: detected under `path`).
    pub files: Vec<FileSpec>,
    /// Changelog file (default: `PATH/CHANGELOG.md`).
    pub changelog: Option<PathBuf>,
}

/// One version file: a path (format from its name) or a table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum FileSpec {
    /// `"Cargo.toml"`: the format follows from the file name.
    Path(PathBuf),
    /// `{ path = "...", format = "...", pattern = "..." }`.
    Table(FileTable),
}

/// The table form of a version file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTable {
    /// Path relative to the repository root.
    pub path: PathBuf,
    /// `cargo`, `cargo-lock`, `package-json`, `package-lock`, `pyproject`, `setup-cfg`,
    /// `python`, `plain`, `helm` or `regex` (default: from the name; `regex` with `pattern`).
    pub format: Option<String>,
    /// For `regex`: a pattern whose `version` group (or first group) is the version.
    pub pattern: Option<String>,
    /// Write the PEP 440 spelling (`1.3.0rc1`).
    #[serde(default)]
    pub pep440: bool,
}

impl FileSpec {
    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        match self {
            FileSpec::Path(p) => p,
            FileSpec::Table(t) => &t.path,
        }
    }
}

/// The settings of the package being worked on: the root package or one of `packages`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Package name, `None` for the repository itself.
    pub name: Option<String>,
    /// Tag prefix of new tags.
    pub tag_prefix: String,
    /// Only commits touching this directory count (`None`: all).
    pub path: Option<PathBuf>,
    /// Version files (explicit) or `None` to detect.
    pub files: Option<Vec<FileSpec>>,
    /// Where to detect files when not explicit.
    pub detect_in: PathBuf,
    /// Changelog file.
    pub changelog: PathBuf,
}

impl VersionConfig {
    /// The target for `--package NAME` (or the root when `None`).
    pub fn target(&self, package: Option<&str>) -> Result<Target, slipway_kit::Failure> {
        let Some(name) = package else {
            return Ok(Target {
                name: None,
                tag_prefix: self.tag_prefix.clone(),
                path: None,
                files: (!self.files.is_empty()).then(|| self.files.clone()),
                detect_in: PathBuf::new(),
                changelog: self.changelog.clone(),
            });
        };
        let Some(p) = self.packages.get(name) else {
            let known: Vec<&str> = self.packages.keys().map(String::as_str).collect();
            return Err(slipway_kit::Failure::bad_input(format!(
                "unknown package '{name}': [version.packages] has {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
            .help("add [version.packages.NAME] with a path to slipway.toml, or drop --package"));
        };
        let path = (!p.path.as_os_str().is_empty()).then(|| p.path.clone());
        Ok(Target {
            name: Some(name.to_owned()),
            tag_prefix: p.tag_prefix.clone().unwrap_or_else(|| format!("{name}-v")),
            files: (!p.files.is_empty()).then(|| p.files.clone()),
            detect_in: p.path.clone(),
            changelog: p
                .changelog
                .clone()
                .unwrap_or_else(|| p.path.join("CHANGELOG.md")),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<VersionConfig, slipway_config::ConfigError> {
        slipway_config::ConfigFile::from_text(None, text.to_owned())?.section("version")
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            r#"
[version]
tag_prefix = ""
initial_version = "1.0.0"
files = ["Cargo.toml", { path = "deploy/values.yaml", pattern = 'tag: "(?P<version>[^"]+)"' }]
major_zero_breaking_bumps_minor = false
promote_prereleases = false
types = { docs = "patch" }
[version.packages.api]
path = "services/api"
"#,
        )
        .unwrap();
        assert_eq!(c.tag_prefix, "");
        assert_eq!(c.initial_version, semver::Version::new(1, 0, 0));
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.types["docs"], Level::Patch);
        assert!(!c.promote_prereleases);
        assert!(parse("").unwrap().promote_prereleases);
        let t = c.target(Some("api")).unwrap();
        assert_eq!(t.tag_prefix, "api-v");
        assert_eq!(t.changelog, PathBuf::from("services/api/CHANGELOG.md"));
    }

    #[test]
    fn unknown_keys_and_packages_are_errors() {
        let err = parse("[version]\ntag_prefx = 'v'\n").unwrap_err();
        assert!(err.to_string().contains("tag_prefx"), "{err}");
        let c = parse("").unwrap();
        assert!(c.target(Some("web")).is_err());
    }
}
