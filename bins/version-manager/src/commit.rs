//! Commit messages read as Conventional Commits: type, scope, breaking changes, the
//! references they make (`#123`) and the commits they revert.
//!
//! Parsing uses `conventional_commit_parser`. Messages are read leniently: a byte-order
//! mark, CRLF line ends, trailing spaces, an upper-case type, spaces in a scope or a
//! missing space after the colon are accepted with a warning, never an abort.

use std::collections::BTreeMap;

use conventional_commit_parser::commit::CommitType;

use crate::version::Level;

/// A commit as read from history.
#[derive(Debug, Clone)]
pub struct RawCommit {
    /// Full hex id.
    pub id: String,
    /// The message as stored.
    pub message: String,
    /// Number of parents (2+ is a merge).
    pub parents: usize,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// What a message turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A Conventional Commit.
    Conventional(Conventional),
    /// A merge commit with git's generated message (`Merge branch …`, `Merge pull request …`):
    /// skipped, like semantic-release and cocogitto do.
    Merge,
    /// Anything else: counted and reported, never fatal outside `verify`.
    Other,
}

/// The parts of a Conventional Commit the changelog and the bump need.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conventional {
    /// Lower-case type: `feat`, `fix`, …
    pub kind: String,
    /// Scope, when given.
    pub scope: Option<String>,
    /// The description after `: `.
    pub summary: String,
    /// `!` or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer.
    pub breaking: bool,
    /// The text of the breaking-change footer, if any.
    pub breaking_note: Option<String>,
    /// Issue and pull request numbers referenced (`#123`), in order, without duplicates.
    pub refs: Vec<u64>,
    /// For a revert: the id (or prefix) of the reverted commit.
    pub reverts: Option<String>,
    /// Why the message needed lenient reading, if it did.
    pub lenient: Option<String>,
}

/// A commit with its message understood.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The commit.
    pub raw: RawCommit,
    /// What the message is.
    pub kind: Kind,
}

impl Parsed {
    /// The first line of the message, for reports.
    pub fn subject(&self) -> &str {
        self.raw
            .message
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or("")
            .trim_end()
    }

    /// The abbreviated id.
    pub fn short_id(&self) -> &str {
        &self.raw.id[..self.raw.id.len().min(7)]
    }

    /// The conventional parts, if the message is a Conventional Commit.
    pub fn conventional(&self) -> Option<&Conventional> {
        match &self.kind {
            Kind::Conventional(c) => Some(c),
            _ => None,
        }
    }
}

/// Which types release and at what level. `feat` minor; `fix`, `perf` and `revert` patch;
/// configured types added or overridden; a breaking change is always major.
#[derive(Debug, Clone)]
pub struct TypeRules {
    levels: BTreeMap<String, Level>,
}

impl Default for TypeRules {
    fn default() -> Self {
        Self::with_overrides(&BTreeMap::new())
    }
}

impl TypeRules {
    /// The defaults with `overrides` (type to level) applied.
    pub fn with_overrides(overrides: &BTreeMap<String, Level>) -> Self {
        let mut levels = BTreeMap::new();
        levels.insert("feat".to_owned(), Level::Minor);
        levels.insert("fix".to_owned(), Level::Patch);
        levels.insert("perf".to_owned(), Level::Patch);
        levels.insert("revert".to_owned(), Level::Patch);
        for (k, v) in overrides {
            levels.insert(k.to_ascii_lowercase(), *v);
        }
        Self { levels }
    }

    /// The level a conventional commit implies.
    pub fn level(&self, c: &Conventional) -> Level {
        if c.breaking {
            return Level::Major;
        }
        self.levels.get(&c.kind).copied().unwrap_or(Level::None)
    }
}

/// Reads one commit.
pub fn parse(raw: RawCommit) -> Parsed {
    let kind = classify(&raw.message, raw.parents);
    Parsed { raw, kind }
}

/// Reads a message; `parents` tells merges apart.
pub fn classify(message: &str, parents: usize) -> Kind {
    let (clean, mut notes) = clean(message);
    if parents > 1 && is_generated_merge(&clean) {
        return Kind::Merge;
    }
    if let Some(c) = git_revert(&clean) {
        return Kind::Conventional(c);
    }
    // The header is read directly (the same grammar as the parser's summary rule); the
    // parser reads messages that carry a breaking-change footer, and any message whose
    // header is not exactly per the spec. References (`#123`) are collected below.
    let direct = if clean.contains("BREAKING") {
        None
    } else {
        strict_header(clean.lines().next().unwrap_or(""))
    };
    let mut conv = if let Some(c) = direct {
        c
    } else if let Ok(parsed) = conventional_commit_parser::parse(&clean) {
        from_parser(parsed)
    } else {
        {
            let header = clean.lines().next().unwrap_or("");
            let Some(mut c) = strict_header(header).or_else(|| {
                lenient_header(header).inspect(|_| notes.push("a header not per the spec"))
            }) else {
                return Kind::Other;
            };
            if clean.contains('\n') && !notes.contains(&"a header not per the spec") {
                notes.push("a body or footers not per the spec");
            }
            scan_footers(&clean, &mut c);
            c
        }
    };
    if conv.kind.chars().any(|ch| ch.is_ascii_uppercase()) {
        conv.kind = conv.kind.to_ascii_lowercase();
        notes.push("an upper-case type");
    }
    if conv.kind == "revert" && conv.reverts.is_none() {
        conv.reverts = reverted_id(&clean);
    }
    if conv.refs.is_empty() {
        conv.refs = refs_in(&clean);
    }
    if !notes.is_empty() {
        conv.lenient = Some(notes.join(", "));
    }
    Kind::Conventional(conv)
}

/// Strips a BOM, CRLF and trailing spaces; returns what was fixed.
fn clean(message: &str) -> (String, Vec<&'static str>) {
    let mut notes = Vec::new();
    let mut text = message;
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        notes.push("a byte-order mark");
        text = rest;
    }
    let trimmed_start = text.trim_start_matches(['\n', '\r', ' ', '\t']);
    let mut out = String::with_capacity(text.len());
    let mut trailing = false;
    for line in trimmed_start.lines() {
        let t = line.trim_end();
        if t.len() != line.trim_end_matches('\r').len() {
            trailing = true;
        }
        out.push_str(t);
        out.push('\n');
    }
    if trailing {
        notes.push("trailing spaces");
    }
    // Drop `# comment` lines git would have stripped? No: keep the message as stored.
    let out = out.trim_end().to_owned();
    (out, notes)
}

fn is_generated_merge(message: &str) -> bool {
    let subject = message.lines().next().unwrap_or("");
    subject.starts_with("Merge ")
}

/// `Revert "feat: x"` with `This reverts commit <id>.` (git's own message).
fn git_revert(message: &str) -> Option<Conventional> {
    let subject = message.lines().next()?;
    let inner = subject.strip_prefix("Revert \"")?.strip_suffix('"')?;
    Some(Conventional {
        kind: "revert".to_owned(),
        scope: None,
        summary: inner.to_owned(),
        breaking: false,
        breaking_note: None,
        refs: refs_in(message),
        reverts: reverted_id(message),
        lenient: None,
    })
}

fn reverted_id(message: &str) -> Option<String> {
    let at = message.find("This reverts commit ")?;
    let rest = &message[at + "This reverts commit ".len()..];
    let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    (id.len() >= 7).then_some(id)
}

fn type_name(t: &CommitType) -> String {
    match t {
        CommitType::Feature => "feat".to_owned(),
        CommitType::BugFix => "fix".to_owned(),
        CommitType::Chore => "chore".to_owned(),
        CommitType::Revert => "revert".to_owned(),
        CommitType::Performances => "perf".to_owned(),
        CommitType::Documentation => "docs".to_owned(),
        CommitType::Style => "style".to_owned(),
        CommitType::Refactor => "refactor".to_owned(),
        CommitType::Test => "test".to_owned(),
        CommitType::Build => "build".to_owned(),
        CommitType::Ci => "ci".to_owned(),
        CommitType::Custom(s) => s.clone(),
    }
}

fn from_parser(p: conventional_commit_parser::commit::ConventionalCommit) -> Conventional {
    let breaking_note = p
        .footers
        .iter()
        .find(|f| f.is_breaking_change())
        .map(|f| f.content.trim().to_owned());
    let mut refs = refs_in(&p.summary);
    for f in &p.footers {
        if matches!(
            f.token_separator,
            conventional_commit_parser::commit::Separator::Hash
        ) {
            if let Ok(n) = f.content.trim().parse::<u64>() {
                push_ref(&mut refs, n);
            }
        } else {
            for n in refs_in(&f.content) {
                push_ref(&mut refs, n);
            }
        }
    }
    Conventional {
        kind: type_name(&p.commit_type),
        scope: p.scope.filter(|s| !s.is_empty()),
        summary: p.summary.trim().to_owned(),
        breaking: p.is_breaking_change,
        breaking_note,
        refs,
        reverts: None,
        lenient: None,
    }
}

/// `type(scope)!: summary` exactly as the spec writes it.
fn strict_header(header: &str) -> Option<Conventional> {
    let colon = header.find(": ")?;
    let (head, summary) = (&header[..colon], header[colon + 2..].trim());
    let (head, bang) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((k, rest)) => (k, Some(rest.strip_suffix(')')?)),
        None => (head, None),
    };
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphabetic()) || summary.is_empty() {
        return None;
    }
    if let Some(s) = scope {
        if s.is_empty() || s.contains(['(', ')']) || s.chars().any(char::is_whitespace) {
            return None;
        }
    }
    Some(Conventional {
        kind: kind.to_owned(),
        scope: scope.map(str::to_owned),
        summary: summary.to_owned(),
        breaking: bang,
        ..Conventional::default()
    })
}

/// Near misses: `feat (api): x`, `feat(api client): x`, `fix:x`, `Fix(ui) : x`.
fn lenient_header(header: &str) -> Option<Conventional> {
    let colon = header.find(':')?;
    let (head, summary) = (header[..colon].trim(), header[colon + 1..].trim());
    if summary.is_empty() || head.len() > 40 {
        return None;
    }
    let (head, bang) = match head.strip_suffix('!') {
        Some(h) => (h.trim_end(), true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((k, rest)) => (k.trim(), Some(rest.trim_end().strip_suffix(')')?.trim())),
        None => (head, None),
    };
    if kind.is_empty() || kind.len() > 20 || !kind.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(Conventional {
        kind: kind.to_owned(),
        scope: scope.filter(|s| !s.is_empty()).map(str::to_owned),
        summary: summary.to_owned(),
        breaking: bang,
        ..Conventional::default()
    })
}

/// Finds `BREAKING CHANGE:` footers in a body the parser did not accept.
fn scan_footers(message: &str, c: &mut Conventional) {
    for line in message.lines().skip(1) {
        for token in ["BREAKING CHANGE:", "BREAKING-CHANGE:"] {
            if let Some(rest) = line.strip_prefix(token) {
                c.breaking = true;
                if c.breaking_note.is_none() {
                    c.breaking_note = Some(rest.trim().to_owned());
                }
            }
        }
    }
}

fn push_ref(refs: &mut Vec<u64>, n: u64) {
    if !refs.contains(&n) {
        refs.push(n);
    }
}

/// `#123` references in `text` (a `#` not preceded by a word character, then digits).
pub fn refs_in(text: &str) -> Vec<u64> {
    let bytes = text.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#' && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            let word_ends = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if end > start && end - start < 10 && word_ends {
                if let Ok(n) = text[start..end].parse() {
                    push_ref(&mut refs, n);
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(message: &str) -> Conventional {
        match classify(message, 1) {
            Kind::Conventional(c) => c,
            other => panic!("{message:?} read as {other:?}"),
        }
    }

    fn level(message: &str) -> Level {
        TypeRules::default().level(&conv(message))
    }

    // The examples of https://www.conventionalcommits.org/en/v1.0.0/#examples
    #[test]
    fn spec_example_breaking_change_footer() {
        let c = conv(
            "feat: allow provided config object to extend other configs\n\nBREAKING CHANGE: `extends` key in config file is now used for extending other config files",
        );
        assert!(c.breaking);
        assert_eq!(
            c.breaking_note.as_deref(),
            Some("`extends` key in config file is now used for extending other config files")
        );
        assert_eq!(
            level(
                "feat: allow provided config object to extend other configs\n\nBREAKING CHANGE: `extends` key"
            ),
            Level::Major
        );
    }

    #[test]
    fn spec_example_bang_draws_attention_to_breaking_change() {
        assert!(conv("feat!: send an email to the customer when a product is shipped").breaking);
        let c = conv("feat(api)!: send an email to the customer when a product is shipped");
        assert!(c.breaking);
        assert_eq!(c.scope.as_deref(), Some("api"));
        assert!(conv("chore!: drop support for Node 6\n\nBREAKING CHANGE: use JavaScript features not available in Node 6.").breaking);
        assert_eq!(level("chore!: drop support for Node 6"), Level::Major);
    }

    #[test]
    fn spec_example_no_body() {
        let c = conv("docs: correct spelling of CHANGELOG");
        assert_eq!(c.kind, "docs");
        assert_eq!(level("docs: correct spelling of CHANGELOG"), Level::None);
        let c = conv("feat(lang): add Polish language");
        assert_eq!(c.scope.as_deref(), Some("lang"));
        assert_eq!(level("feat(lang): add Polish language"), Level::Minor);
    }

    #[test]
    fn spec_example_multi_paragraph_body_and_footers() {
        let m = "fix: prevent racing of requests\n\nIntroduce a request id and a reference to latest request. Dismiss\nincoming responses other than from latest request.\n\nRemove timeouts which were used to mitigate the racing issue but are\nobsolete now.\n\nReviewed-by: Z\nRefs: #123";
        let c = conv(m);
        assert_eq!(c.kind, "fix");
        assert!(!c.breaking);
        assert_eq!(c.refs, vec![123]);
        assert_eq!(level(m), Level::Patch);
    }

    #[test]
    fn spec_example_revert_with_refs_footer() {
        let c = conv(
            "revert: let us never again speak of the noodle incident\n\nRefs: 676104e, a215868",
        );
        assert_eq!(c.kind, "revert");
        assert_eq!(
            level("revert: let us never again speak of the noodle incident"),
            Level::Patch
        );
    }

    #[test]
    fn breaking_change_with_hyphen_and_perf_is_patch() {
        assert!(conv("fix: x\n\nBREAKING-CHANGE: gone").breaking);
        assert_eq!(level("perf(db): faster index"), Level::Patch);
    }

    #[test]
    fn git_revert_message_names_the_reverted_commit() {
        let c = conv(
            "Revert \"feat: dark mode\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.",
        );
        assert_eq!(c.kind, "revert");
        assert_eq!(
            c.reverts.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
    }

    #[test]
    fn merge_commits_with_generated_messages_are_skipped() {
        assert_eq!(
            classify("Merge pull request #12 from acme/feature", 2),
            Kind::Merge
        );
        assert!(matches!(
            classify("feat: merged by hand", 2),
            Kind::Conventional(_)
        ));
        assert_eq!(classify("Merge branch 'x'", 1), Kind::Other);
    }

    #[test]
    fn bom_trailing_spaces_odd_scopes_are_read_leniently() {
        let c = conv("\u{feff}feat(api): add login   \n");
        assert_eq!(c.kind, "feat");
        assert!(c.lenient.as_deref().unwrap().contains("byte-order mark"));
        let c = conv("feat(api client): add login");
        assert_eq!(c.scope.as_deref(), Some("api client"));
        assert!(c.lenient.is_some());
        let c = conv("Fix: crash on start");
        assert_eq!(c.kind, "fix");
        let c = conv("fix:no space");
        assert_eq!(c.summary, "no space");
        assert!(conv("feat: x\r\n\r\nBREAKING CHANGE: y\r\n").breaking);
    }

    #[test]
    fn non_conventional_messages_are_other() {
        assert_eq!(classify("Update README.md", 1), Kind::Other);
        assert_eq!(classify("WIP", 1), Kind::Other);
        assert_eq!(classify("", 1), Kind::Other);
        assert_eq!(classify("Fixed the thing: really", 1), Kind::Other);
    }

    #[test]
    fn references_are_found_in_summary_and_footers() {
        let c = conv("feat: add login (#42)\n\nCloses #7");
        assert_eq!(c.refs, vec![42, 7]);
        assert_eq!(refs_in("a#1 #2x #3, (#4)"), vec![3, 4]);
    }
}
