//! Version files: which ones, in which format, and rewriting only the version's bytes.
//!
//! Each format finds the byte ranges that hold the version; writing replaces exactly those
//! ranges, so comments, order, quotes and line ends stay as they were.

mod json;
mod text;
mod toml;

use std::ops::Range;
use std::path::{Path, PathBuf};

use regex::Regex;
use semver::Version;

use crate::config::FileSpec;
use crate::version;

/// A file format that holds a version.
#[derive(Debug, Clone)]
pub enum Format {
    /// `Cargo.toml`: `[package]` and `[workspace.package]`.
    Cargo,
    /// `Cargo.lock`: local packages at the old version.
    CargoLock,
    /// `package.json`: top-level `version`.
    PackageJson,
    /// `package-lock.json`: top-level `version` and `packages[""].version`.
    PackageLock,
    /// `pyproject.toml`: `[project]` (PEP 621) and `[tool.poetry]`; PEP 440 spelling.
    Pyproject,
    /// `setup.cfg`: `[metadata] version`; PEP 440 spelling.
    SetupCfg,
    /// `__version__ = "..."` in a Python module; PEP 440 spelling.
    Python,
    /// The whole file is the version (`VERSION`).
    Plain,
    /// Helm `Chart.yaml`: `version` and `appVersion`.
    Helm,
    /// A user's pattern; the `version` group (or first group) is the version.
    Regex(Regex),
}

impl Format {
    /// The format a file name implies.
    pub fn from_name(path: &Path) -> Format {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match name {
            "Cargo.toml" => Format::Cargo,
            "Cargo.lock" => Format::CargoLock,
            "package.json" => Format::PackageJson,
            "package-lock.json" | "npm-shrinkwrap.json" => Format::PackageLock,
            "pyproject.toml" => Format::Pyproject,
            "setup.cfg" => Format::SetupCfg,
            "Chart.yaml" | "Chart.yml" => Format::Helm,
            n if Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("py")) =>
            {
                Format::Python
            }
            _ => Format::Plain,
        }
    }

    fn from_word(word: &str, pattern: Option<&str>, path: &Path) -> Result<Format, FileError> {
        Ok(match word {
            "cargo" => Format::Cargo,
            "cargo-lock" => Format::CargoLock,
            "package-json" | "npm" => Format::PackageJson,
            "package-lock" => Format::PackageLock,
            "pyproject" => Format::Pyproject,
            "setup-cfg" => Format::SetupCfg,
            "python" => Format::Python,
            "plain" => Format::Plain,
            "helm" => Format::Helm,
            "regex" => {
                let pattern = pattern.ok_or_else(|| FileError::Config {
                    path: path.to_owned(),
                    message: "format \"regex\" needs a pattern".to_owned(),
                })?;
                compile(pattern, path)?
            }
            other => {
                return Err(FileError::Config {
                    path: path.to_owned(),
                    message: format!(
                        "unknown format \"{other}\": use cargo, cargo-lock, package-json, package-lock, pyproject, setup-cfg, python, plain, helm or regex"
                    ),
                });
            }
        })
    }

    /// True for Python packaging files, which get the PEP 440 spelling.
    pub fn is_python(&self) -> bool {
        matches!(self, Format::Pyproject | Format::SetupCfg | Format::Python)
    }

    fn spans(&self, text: &str, old: Option<&str>) -> Option<Vec<Range<usize>>> {
        Some(match self {
            Format::Cargo => toml::table_versions(text, &["package", "workspace.package"]),
            Format::CargoLock => toml::cargo_lock_versions(text, old?),
            Format::PackageJson => json::string_spans(text, &[&["version"]])?,
            Format::PackageLock => {
                json::string_spans(text, &[&["version"], &["packages", "", "version"]])?
            }
            Format::Pyproject => toml::table_versions(text, &["project", "tool.poetry"]),
            Format::SetupCfg => toml::setup_cfg_versions(text),
            Format::Python => text::python_dunder(text),
            Format::Plain => text::plain(text),
            Format::Helm => text::helm_chart(text),
            Format::Regex(re) => text::regex(text, re),
        })
    }
}

fn compile(pattern: &str, path: &Path) -> Result<Format, FileError> {
    Regex::new(pattern)
        .map(Format::Regex)
        .map_err(|e| FileError::Config {
            path: path.to_owned(),
            message: format!("bad pattern: {e}"),
        })
}

/// Errors reading or writing version files.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A listed file holds no version where its format says one should be.
    #[error("{path}: no version found ({format})")]
    NoVersion {
        /// The file.
        path: PathBuf,
        /// What was looked for.
        format: String,
    },
    /// A file entry in the config is wrong.
    #[error("[version] files: {path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl From<FileError> for slipway_kit::Failure {
    fn from(e: FileError) -> Self {
        let help = match &e {
            FileError::NoVersion { .. } => {
                "add the version to the file, or remove it from [version] files in slipway.toml"
            }
            FileError::Config { .. } => {
                "fix [version] files in slipway.toml (docs/version-manager.md)"
            }
            _ => "check the path and its permissions",
        };
        slipway_kit::Failure::bad_input(e.to_string()).help(help)
    }
}

/// A version file of the target.
#[derive(Debug, Clone)]
pub struct VersionFile {
    /// Path relative to the repository root.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Write PEP 440 spelling.
    pub pep440: bool,
    /// Listed explicitly (a missing version is an error) or detected (skipped).
    pub explicit: bool,
}

const DETECTED: &[&str] = &[
    "Cargo.toml",
    "package.json",
    "pyproject.toml",
    "setup.cfg",
    "Chart.yaml",
    "VERSION",
];

/// The version files: the listed ones, or those detected in `detect_in`; lock files are
/// added beside their manifests when present.
pub fn resolve(
    root: &Path,
    explicit: Option<&[FileSpec]>,
    detect_in: &Path,
) -> Result<Vec<VersionFile>, FileError> {
    let mut files = Vec::new();
    match explicit {
        Some(specs) => {
            for spec in specs {
                let path = spec.path().to_owned();
                let (format, pep440) = match spec {
                    FileSpec::Path(p) => {
                        let f = Format::from_name(p);
                        let py = f.is_python();
                        (f, py)
                    }
                    FileSpec::Table(t) => {
                        let f = match (&t.format, &t.pattern) {
                            (Some(word), pattern) => {
                                Format::from_word(word, pattern.as_deref(), &t.path)?
                            }
                            (None, Some(pattern)) => compile(pattern, &t.path)?,
                            (None, None) => Format::from_name(&t.path),
                        };
                        let py = t.pep440 || f.is_python();
                        (f, py)
                    }
                };
                if !root.join(&path).is_file() {
                    return Err(FileError::Read {
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "listed in [version] files but missing",
                        ),
                        path,
                    });
                }
                files.push(VersionFile {
                    path,
                    format,
                    pep440,
                    explicit: true,
                });
            }
        }
        None => {
            for name in DETECTED {
                let path = detect_in.join(name);
                if root.join(&path).is_file() {
                    let format = Format::from_name(&path);
                    files.push(VersionFile {
                        pep440: format.is_python(),
                        path,
                        format,
                        explicit: false,
                    });
                }
            }
        }
    }
    let mut locks = Vec::new();
    for f in &files {
        let lock = match f.format {
            Format::Cargo => Some(("Cargo.lock", Format::CargoLock)),
            Format::PackageJson => Some(("package-lock.json", Format::PackageLock)),
            _ => None,
        };
        if let Some((name, format)) = lock {
            let path = f.path.with_file_name(name);
            let listed = files.iter().any(|g| g.path == path);
            if !listed && root.join(&path).is_file() {
                locks.push(VersionFile {
                    path,
                    format,
                    pep440: false,
                    explicit: false,
                });
            }
        }
    }
    files.extend(locks);
    Ok(files)
}

/// A planned change to one file.
#[derive(Debug, Clone)]
pub struct Change {
    /// Path relative to the repository root.
    pub path: PathBuf,
    /// The version as written before (first occurrence).
    pub from: String,
    /// The version as it will be written.
    pub to: String,
    /// The new content.
    pub content: Vec<u8>,
}

/// The version the file holds now, as written (`None` when it holds none).
pub fn read_version(root: &Path, file: &VersionFile) -> Result<Option<String>, FileError> {
    let text = read(root, &file.path)?;
    let spans = file.format.spans(&text, None).unwrap_or_default();
    Ok(spans.first().map(|r| text[r.clone()].to_owned()))
}

fn read(root: &Path, path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(root.join(path)).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })
}

/// How `new` is spelled in `file`, keeping a leading `v` the file used.
fn spelling(file: &VersionFile, new: &Version, old: &str) -> String {
    let core = if file.pep440 {
        version::to_pep440(new)
    } else {
        new.to_string()
    };
    if old.starts_with('v') {
        format!("v{core}")
    } else {
        core
    }
}

/// Plans writing `new` into `file`, or `None` for a detected file that holds no version.
/// Lock files change only entries at `old_version` (the manifest's version before).
pub fn plan(
    root: &Path,
    file: &VersionFile,
    new: &Version,
    old_version: Option<&str>,
) -> Result<Option<Change>, FileError> {
    let text = read(root, &file.path)?;
    let spans = file.format.spans(&text, old_version).unwrap_or_default();
    let Some(first) = spans.first() else {
        if file.explicit {
            return Err(FileError::NoVersion {
                path: file.path.clone(),
                format: format!("{:?}", file.format)
                    .split('(')
                    .next()
                    .unwrap_or("")
                    .to_lowercase(),
            });
        }
        return Ok(None);
    };
    let from = text[first.clone()].to_owned();
    let to = spelling(file, new, &from);
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = 0;
    for span in &spans {
        out.push_str(&text[last..span.start]);
        out.push_str(&spelling(file, new, &text[span.clone()]));
        last = span.end;
    }
    out.push_str(&text[last..]);
    Ok(Some(Change {
        path: file.path.clone(),
        from,
        to,
        content: out.into_bytes(),
    }))
}

/// Plans every file: manifests first, their lock files with the manifest's old version.
pub fn plan_all(
    root: &Path,
    files: &[VersionFile],
    new: &Version,
) -> Result<Vec<Change>, FileError> {
    let mut changes: Vec<Change> = Vec::new();
    for file in files {
        let old = match file.format {
            Format::CargoLock | Format::PackageLock => changes
                .iter()
                .find(|c| c.path.parent() == file.path.parent())
                .map(|c| c.from.clone()),
            _ => None,
        };
        if matches!(file.format, Format::CargoLock) && old.is_none() {
            continue;
        }
        if let Some(change) = plan(root, file, new, old.as_deref())? {
            changes.push(change);
        }
    }
    Ok(changes)
}

/// The first version any file holds, parsed leniently (SemVer or PEP 440).
pub fn primary_version(
    root: &Path,
    files: &[VersionFile],
) -> Result<Option<(PathBuf, Version)>, FileError> {
    for file in files {
        if matches!(file.format, Format::CargoLock | Format::PackageLock) {
            continue;
        }
        if let Some(text) = read_version(root, file)? {
            if let Some(v) = version::parse_lenient(&text) {
                return Ok(Some((file.path.clone(), v)));
            }
        }
    }
    Ok(None)
}

/// Writes planned changes atomically.
pub fn apply(root: &Path, changes: &[Change]) -> Result<(), FileError> {
    for c in changes {
        slipway_kit::fs::write_atomic(&root.join(&c.path), &c.content).map_err(|source| {
            FileError::Write {
                path: c.path.clone(),
                source,
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn bump(dir: &Path, to: &str) -> Vec<Change> {
        let files = resolve(dir, None, Path::new("")).unwrap();
        let changes = plan_all(dir, &files, &Version::parse(to).unwrap()).unwrap();
        apply(dir, &changes).unwrap();
        changes
    }

    #[test]
    fn cargo_manifest_and_lock_change_only_the_version_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = "# app\r\n[package]\r\nname = \"app\"\r\nversion = \"1.2.3\"  # the version\r\n\r\n[dependencies]\r\nserde = { version = \"1.2.3\" }\r\n";
        let lock = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"1.2.3\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.2.3\"\nsource = \"registry+x\"\n";
        write(dir.path(), "Cargo.toml", manifest);
        write(dir.path(), "Cargo.lock", lock);
        bump(dir.path(), "1.3.0");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(),
            manifest.replacen("version = \"1.2.3\"  #", "version = \"1.3.0\"  #", 1)
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Cargo.lock")).unwrap(),
            lock.replacen("version = \"1.2.3\"", "version = \"1.3.0\"", 1)
        );
    }

    #[test]
    fn python_files_get_pep440_and_others_semver() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = \"shop\"\nversion = \"1.2.0\"\n\n[tool.poetry]\nversion = \"1.2.0\"\n",
        );
        write(dir.path(), "VERSION", "1.2.0\n");
        write(
            dir.path(),
            "package.json",
            "{\n  \"name\": \"shop\",\n  \"version\": \"1.2.0\"\n}\n",
        );
        write(
            dir.path(),
            "package-lock.json",
            "{\"name\":\"shop\",\"version\":\"1.2.0\",\"packages\":{\"\":{\"version\":\"1.2.0\"}}}",
        );
        bump(dir.path(), "1.3.0-rc.1");
        let py = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
        assert_eq!(py.matches("1.3.0rc1").count(), 2, "{py}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("VERSION")).unwrap(),
            "1.3.0-rc.1\n"
        );
        assert!(
            std::fs::read_to_string(dir.path().join("package.json"))
                .unwrap()
                .contains("\"version\": \"1.3.0-rc.1\"")
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("package-lock.json"))
                .unwrap()
                .matches("1.3.0-rc.1")
                .count(),
            2
        );
    }

    #[test]
    fn explicit_file_without_a_version_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Cargo.toml", "[workspace]\nmembers = []\n");
        let files = resolve(
            dir.path(),
            Some(&[FileSpec::Path("Cargo.toml".into())]),
            Path::new(""),
        )
        .unwrap();
        let err = plan_all(dir.path(), &files, &Version::new(1, 0, 0)).unwrap_err();
        assert!(
            err.to_string().contains("Cargo.toml: no version found"),
            "{err}"
        );
        let files = resolve(dir.path(), None, Path::new("")).unwrap();
        assert!(
            plan_all(dir.path(), &files, &Version::new(1, 0, 0))
                .unwrap()
                .is_empty()
        );
    }
}
