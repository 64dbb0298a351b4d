//! Version math: bump levels, the next version (prereleases, promotion, the major-0 rule)
//! and the PEP 440 spelling Python files use.

use std::fmt;

use semver::{Prerelease, Version};

/// How far a set of changes moves the version. Ordered: `None < Patch < Minor < Major`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing releasable.
    #[default]
    None,
    /// Bug fixes.
    Patch,
    /// New features.
    Minor,
    /// Breaking changes.
    Major,
}

impl Level {
    /// `none`, `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A prerelease channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// `-alpha.N`
    Alpha,
    /// `-beta.N`
    Beta,
    /// `-rc.N`
    Rc,
}

impl Channel {
    /// The identifier used in the version (`alpha`, `beta`, `rc`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Alpha => "alpha",
            Channel::Beta => "beta",
            Channel::Rc => "rc",
        }
    }
}

/// The rules that turn a level into a version.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// While major is 0, a breaking change bumps minor (SemVer §4: 0.y.z may change anything).
    pub major_zero_breaking_bumps_minor: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            major_zero_breaking_bumps_minor: true,
        }
    }
}

/// Parses a version as found in a tag or file: `1.2.3`, `v1.2.3`, and the PEP 440 forms
/// `1.3.0rc1`, `1.3.0a2`, `1.3.0b1`, `1.2` (read as `1.2.0`).
pub fn parse_lenient(text: &str) -> Option<Version> {
    let t = text.trim();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    if let Ok(v) = Version::parse(t) {
        return Some(v);
    }
    from_pep440(t)
}

/// True for the versions projects keep in their files before their first release:
/// `0.0.0`, and `0.0.0` with any prerelease (`0.0.0-semantic-release`,
/// `0.0.0-development`, PEP 440's `0.0.0.dev0`). They are no release to bump from.
pub fn is_placeholder(v: &Version) -> bool {
    v.major == 0 && v.minor == 0 && v.patch == 0
}

/// The channel of a prerelease (`rc` of `1.3.0-rc.2`), `None` for a release.
pub fn channel_of(v: &Version) -> Option<&str> {
    pre_parts(&v.pre).map(|(channel, _)| channel)
}

/// The core `X.Y.Z` of a version, without prerelease or build.
pub fn core(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

/// The level a prerelease's core version already covers over the last stable release:
/// `1.2.1-rc.1` covers a patch, `1.3.0-rc.1` a minor, `2.0.0-rc.1` a major.
fn covered(v: &Version) -> Level {
    if v.patch != 0 {
        Level::Patch
    } else if v.minor != 0 {
        Level::Minor
    } else {
        Level::Major
    }
}

fn bump_core(v: &Version, level: Level) -> Version {
    match level {
        Level::Major => Version::new(v.major + 1, 0, 0),
        Level::Minor => Version::new(v.major, v.minor + 1, 0),
        Level::Patch | Level::None => Version::new(v.major, v.minor, v.patch + 1),
    }
}

/// `(channel, number)` of a `channel.N` prerelease.
fn pre_parts(pre: &Prerelease) -> Option<(&str, u64)> {
    if pre.is_empty() {
        return None;
    }
    let mut parts = pre.as_str().splitn(2, '.');
    let channel = parts.next()?;
    let number = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    Some((channel, number))
}

fn with_pre(core: Version, channel: &str, number: u64) -> Version {
    let mut v = core;
    // "alpha.1" is always a valid prerelease.
    v.pre = Prerelease::new(&format!("{channel}.{number}")).unwrap_or(Prerelease::EMPTY);
    v
}

/// The level actually applied to `current`: while major is 0, breaking bumps minor.
pub fn effective_level(current: &Version, level: Level, rules: Rules) -> Level {
    if current.major == 0 && level == Level::Major && rules.major_zero_breaking_bumps_minor {
        Level::Minor
    } else {
        level
    }
}

/// The version after `current` for changes of `level`, on prerelease `channel` if given.
///
/// - A release bumps its core and, with a channel, starts at `.1`: `1.2.0` + minor on rc
///   is `1.3.0-rc.1`.
/// - A prerelease whose core already covers the level keeps its core: the same channel
///   counts up (`rc.1` to `rc.2`), another channel restarts at `.1`, no channel promotes
///   (`1.3.0-rc.2` to `1.3.0`). A larger level bumps the core (`1.3.0-rc.1` + major is
///   `2.0.0-rc.1`).
///
/// Returns `None` when nothing is releasable: level `None` on a release, or level `None`
/// on a prerelease with the same channel asked again.
pub fn next_version(
    current: &Version,
    level: Level,
    channel: Option<&str>,
    rules: Rules,
) -> Option<Version> {
    let level = effective_level(current, level, rules);
    let current_core = core(current);
    if let Some((cur_channel, number)) = pre_parts(&current.pre) {
        let target = if level <= covered(current) {
            current_core.clone()
        } else {
            bump_core(&current_core, level)
        };
        return match channel {
            None => Some(target),
            Some(ch) if target == current_core && ch == cur_channel => {
                (level != Level::None).then(|| with_pre(target, ch, number + 1))
            }
            Some(ch) => Some(with_pre(target, ch, 1)),
        };
    }
    if level == Level::None {
        return None;
    }
    let target = bump_core(&current_core, level);
    Some(match channel {
        None => target,
        Some(ch) => with_pre(target, ch, 1),
    })
}

/// `bump prerelease`: the next number on the current channel (or `channel` when given);
/// a release gets a patch bump and `.1` (`1.2.0` to `1.2.1-rc.1`).
pub fn next_prerelease(current: &Version, channel: Option<&str>) -> Version {
    match (pre_parts(&current.pre), channel) {
        (Some((cur, n)), None) => with_pre(core(current), cur, n + 1),
        (Some((cur, n)), Some(ch)) if cur == ch => with_pre(core(current), ch, n + 1),
        (Some(_), Some(ch)) => with_pre(core(current), ch, 1),
        (None, ch) => with_pre(bump_core(current, Level::Patch), ch.unwrap_or("rc"), 1),
    }
}

/// The PEP 440 spelling Python packaging wants: `1.3.0-rc.1` is `1.3.0rc1`, `alpha` is
/// `a`, `beta` is `b`; a release is unchanged; build metadata becomes a local version.
pub fn to_pep440(v: &Version) -> String {
    let mut out = core(v).to_string();
    if let Some((channel, number)) = pre_parts(&v.pre) {
        let tag = match channel {
            "alpha" | "a" => "a",
            "beta" | "b" => "b",
            "dev" => ".dev",
            "post" => ".post",
            _ => "rc",
        };
        out.push_str(tag);
        out.push_str(&number.to_string());
    }
    if !v.build.is_empty() {
        out.push('+');
        out.push_str(v.build.as_str());
    }
    out
}

/// Reads a PEP 440 version back into SemVer (`1.3.0rc1` is `1.3.0-rc.1`).
pub fn from_pep440(text: &str) -> Option<Version> {
    let t = text.trim();
    let digits_end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(t.len(), |(i, _)| i);
    let (release, rest) = t.split_at(digits_end);
    let release = release.trim_end_matches('.');
    let nums: Vec<u64> = release
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let (major, minor, patch) = match nums.as_slice() {
        [a] => (*a, 0, 0),
        [a, b] => (*a, *b, 0),
        [a, b, c] => (*a, *b, *c),
        _ => return None,
    };
    let core = Version::new(major, minor, patch);
    if rest.is_empty() {
        return Some(core);
    }
    let rest = rest.trim_start_matches(['-', '_', '.']);
    let split = rest
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit())
        .map_or(rest.len(), |(i, _)| i);
    let (word, number) = rest.split_at(split);
    let number: u64 = if number.is_empty() {
        0
    } else {
        number.parse().ok()?
    };
    let channel = match word.trim_end_matches(['-', '_', '.']) {
        "a" | "alpha" => "alpha",
        "b" | "beta" => "beta",
        "rc" | "c" | "pre" | "preview" => "rc",
        "dev" => "dev",
        _ => return None,
    };
    Some(with_pre(core, channel, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn next(cur: &str, level: Level, ch: Option<&str>) -> Option<String> {
        next_version(&v(cur), level, ch, Rules::default()).map(|v| v.to_string())
    }

    #[test]
    fn feat_bumps_minor_fix_bumps_patch_breaking_bumps_major() {
        assert_eq!(next("1.2.3", Level::Minor, None).unwrap(), "1.3.0");
        assert_eq!(next("1.2.3", Level::Patch, None).unwrap(), "1.2.4");
        assert_eq!(next("1.2.3", Level::Major, None).unwrap(), "2.0.0");
        assert_eq!(next("1.2.3", Level::None, None), None);
    }

    #[test]
    fn breaking_change_while_major_is_zero_bumps_minor_unless_configured() {
        assert_eq!(next("0.4.1", Level::Major, None).unwrap(), "0.5.0");
        let strict = Rules {
            major_zero_breaking_bumps_minor: false,
        };
        assert_eq!(
            next_version(&v("0.4.1"), Level::Major, None, strict)
                .unwrap()
                .to_string(),
            "1.0.0"
        );
    }

    #[test]
    fn prereleases_count_up_switch_channel_and_promote() {
        assert_eq!(
            next("1.2.0", Level::Minor, Some("rc")).unwrap(),
            "1.3.0-rc.1"
        );
        assert_eq!(
            next("1.3.0-rc.1", Level::Patch, Some("rc")).unwrap(),
            "1.3.0-rc.2"
        );
        assert_eq!(
            next("1.3.0-rc.1", Level::Minor, Some("rc")).unwrap(),
            "1.3.0-rc.2"
        );
        assert_eq!(
            next("1.3.0-beta.4", Level::None, Some("rc")).unwrap(),
            "1.3.0-rc.1"
        );
        assert_eq!(next("1.3.0-rc.2", Level::None, Some("rc")), None);
        assert_eq!(next("1.3.0-rc.2", Level::None, None).unwrap(), "1.3.0");
        assert_eq!(next("1.3.0-rc.2", Level::Minor, None).unwrap(), "1.3.0");
        assert_eq!(
            next("1.3.0-rc.1", Level::Major, Some("rc")).unwrap(),
            "2.0.0-rc.1"
        );
        assert_eq!(next("1.2.1-rc.1", Level::Minor, None).unwrap(), "1.3.0");
    }

    #[test]
    fn bump_prerelease_counts_on_the_current_channel() {
        assert_eq!(next_prerelease(&v("1.2.0"), None).to_string(), "1.2.1-rc.1");
        assert_eq!(
            next_prerelease(&v("1.3.0-beta.1"), None).to_string(),
            "1.3.0-beta.2"
        );
        assert_eq!(
            next_prerelease(&v("1.3.0-beta.1"), Some("rc")).to_string(),
            "1.3.0-rc.1"
        );
    }

    #[test]
    fn python_files_get_the_pep440_spelling() {
        assert_eq!(to_pep440(&v("1.3.0-rc.1")), "1.3.0rc1");
        assert_eq!(to_pep440(&v("1.3.0-alpha.2")), "1.3.0a2");
        assert_eq!(to_pep440(&v("1.3.0-beta.1")), "1.3.0b1");
        assert_eq!(to_pep440(&v("1.3.0")), "1.3.0");
        assert_eq!(from_pep440("1.3.0rc1").unwrap(), v("1.3.0-rc.1"));
        assert_eq!(from_pep440("1.3.0b2").unwrap(), v("1.3.0-beta.2"));
        assert_eq!(from_pep440("1.3").unwrap(), v("1.3.0"));
        assert_eq!(from_pep440("1.x"), None);
    }

    #[test]
    fn placeholders_semantic_release_projects_keep_are_recognised() {
        for text in [
            "0.0.0-semantic-release",
            "0.0.0-development",
            "0.0.0.dev0",
            "0.0.0",
        ] {
            let parsed = parse_lenient(text).unwrap();
            assert!(is_placeholder(&parsed), "{text} read as {parsed}");
        }
        for text in ["0.0.1", "0.1.0-rc.1", "1.0.0"] {
            assert!(!is_placeholder(&parse_lenient(text).unwrap()), "{text}");
        }
    }

    #[test]
    fn lenient_parse_accepts_v_prefix_and_pep440() {
        assert_eq!(parse_lenient("v1.2.3").unwrap(), v("1.2.3"));
        assert_eq!(parse_lenient(" 1.2.3\n").unwrap(), v("1.2.3"));
        assert_eq!(parse_lenient("2.0.0rc1").unwrap(), v("2.0.0-rc.1"));
        assert!(parse_lenient("release-5").is_none());
    }
}
