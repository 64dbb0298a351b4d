//! Per-line coverage of one file, kept compact (one byte per line number, a small map
//! for lines with branches) so reports of the same file merge line by line: a line is
//! covered when any run covered it, a branch when any run took it, as `coverage combine`
//! and Codecov merge.

/// How a format names the branches of a line, so only names of the same kind are
/// compared: destination lines (coverage.py's Cobertura `missing-branches` and JSON
/// arcs, where exits are negative) or LCOV's `BRDA` block and branch names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Destination line numbers (`7`, `-1`).
    Destination,
    /// LCOV branch names (`0,jump to line 7`, `0,1`).
    Lcov,
}

/// The branches of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchLine {
    /// Branches taken.
    pub covered: u32,
    /// Branches.
    pub total: u32,
    /// Names of the branches not taken, when the format names them (boxed: most lines
    /// have none, and a report has millions of lines).
    pub missing: Option<Box<(Scheme, Vec<String>)>>,
}

impl BranchLine {
    /// Merges another run's branches of the same line: named branches by name (a branch
    /// missed in both runs stays missed), else the better of the two counts.
    fn merge(&mut self, other: &BranchLine) {
        match (&mut self.missing, &other.missing) {
            (Some(mine), Some(theirs)) if mine.0 == theirs.0 && self.total == other.total => {
                // A multiset: a line can miss two branches of the same name (two
                // exits of one line are both `exit`).
                let mut left: Vec<&String> = theirs.1.iter().collect();
                mine.1.retain(|k| match left.iter().position(|t| *t == k) {
                    Some(i) => {
                        left.swap_remove(i);
                        true
                    }
                    None => false,
                });
                self.covered = self
                    .total
                    .saturating_sub(u32::try_from(mine.1.len()).unwrap_or(u32::MAX));
            }
            _ => {
                self.total = self.total.max(other.total);
                self.covered = self.covered.max(other.covered).min(self.total);
                self.missing = None;
            }
        }
    }
}

/// Lines with branches, sorted by line number: a vector, not a tree, because a file has
/// a few dozen such lines, read in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct BranchMap(Vec<(u32, BranchLine)>);

impl BranchMap {
    fn find(&self, n: u32) -> Result<usize, usize> {
        match self.0.last() {
            Some((last, _)) if *last < n => Err(self.0.len()),
            _ => self.0.binary_search_by_key(&n, |(k, _)| *k),
        }
    }

    fn get_mut(&mut self, n: u32) -> Option<&mut BranchLine> {
        let i = self.find(n).ok()?;
        Some(&mut self.0[i].1)
    }

    fn insert(&mut self, n: u32, b: BranchLine) {
        match self.find(n) {
            Ok(i) => self.0[i].1 = b,
            Err(i) => self.0.insert(i, (n, b)),
        }
    }

    fn get_or_insert_with(&mut self, n: u32, make: impl FnOnce() -> BranchLine) -> &mut BranchLine {
        let i = match self.find(n) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (n, make()));
                i
            }
        };
        &mut self.0[i].1
    }
}

/// Line states in [`LineDetail::state`].
const MISSED: u8 = 1;
const HIT: u8 = 2;

/// The per-line coverage of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDetail {
    /// Per line number: 0 not executable, 1 missed, 2 covered.
    state: Vec<u8>,
    /// Lines with branches.
    branches: BranchMap,
    /// Whether a line without a number was seen (the detail cannot be trusted).
    broken: bool,
}

impl LineDetail {
    /// Records an executable line; a line seen twice is covered if either saw it hit.
    pub fn line(&mut self, number: Option<u32>, hit: bool) {
        let Some(n) = number.filter(|n| *n > 0) else {
            self.broken = true;
            return;
        };
        let i = n as usize;
        if self.state.len() <= i {
            self.state.resize(i + 1, 0);
        }
        let new = if hit { HIT } else { MISSED };
        self.state[i] = self.state[i].max(new);
    }

    /// Records one branch of a line in this run: taken or not, and its name when the
    /// format gives one (`None` makes the line's branches unnamed).
    pub fn add_branch(&mut self, number: Option<u32>, taken: bool, name: Option<(Scheme, String)>) {
        let Some(n) = number.filter(|n| *n > 0) else {
            self.broken = true;
            return;
        };
        let b = self.branches.get_or_insert_with(n, || BranchLine {
            covered: 0,
            total: 0,
            missing: Some(Box::new((Scheme::Destination, Vec::new()))),
        });
        b.total += 1;
        if taken {
            b.covered += 1;
        }
        match (name, &mut b.missing) {
            (Some((scheme, key)), Some(m)) => {
                if scheme == Scheme::Lcov {
                    m.0 = Scheme::Lcov;
                }
                if !taken {
                    m.1.push(key);
                }
            }
            _ => b.missing = None,
        }
    }

    /// Records a line's branch counts in this run, when the format does not name them
    /// (JaCoCo `mb`/`cb`, Cobertura without `missing-branches`).
    pub fn add_branch_counts(&mut self, number: Option<u32>, covered: u32, total: u32) {
        self.add_named_branches(number, covered, total, None);
    }

    /// Records a line's branch counts and, when known, the names of those not taken
    /// (coverage.py's Cobertura `missing-branches="7,-1"`: destination lines).
    pub fn add_named_branches(
        &mut self,
        number: Option<u32>,
        covered: u32,
        total: u32,
        missing: Option<Vec<String>>,
    ) {
        let Some(n) = number.filter(|n| *n > 0) else {
            self.broken = true;
            return;
        };
        let fresh = BranchLine {
            covered,
            total,
            missing: missing.map(|m| Box::new((Scheme::Destination, m))),
        };
        match self.branches.get_mut(n) {
            // The same line twice in one run (a class repeated): add up.
            Some(have) => {
                have.covered += covered;
                have.total += total;
                have.missing = None;
            }
            None => {
                self.branches.insert(n, fresh);
            }
        }
    }

    /// Records the branches of a line (merged with any already recorded for it).
    pub fn branch(&mut self, number: Option<u32>, b: BranchLine) {
        let Some(n) = number.filter(|n| *n > 0) else {
            self.broken = true;
            return;
        };
        match self.branches.get_mut(n) {
            Some(have) => have.merge(&b),
            None => {
                self.branches.insert(n, b);
            }
        }
    }

    /// Executable and covered lines.
    pub fn lines(&self) -> (u64, u64) {
        let (mut total, mut covered) = (0u64, 0u64);
        for &s in &self.state {
            if s != 0 {
                total += 1;
            }
            if s == HIT {
                covered += 1;
            }
        }
        (covered, total)
    }

    /// Branches taken and branches.
    pub fn branches(&self) -> (u64, u64) {
        self.branches.0.iter().fold((0, 0), |(c, t), (_, b)| {
            (c + u64::from(b.covered), t + u64::from(b.total))
        })
    }

    /// Whether every line had a number (so the detail describes the file exactly).
    pub fn usable(&self) -> bool {
        !self.broken
    }

    /// Merges another run of the same file, line by line.
    pub fn merge(&mut self, other: &LineDetail) {
        if self.state.len() < other.state.len() {
            self.state.resize(other.state.len(), 0);
        }
        for (i, &s) in other.state.iter().enumerate() {
            self.state[i] = self.state[i].max(s);
        }
        for (n, b) in &other.branches.0 {
            match self.branches.get_mut(*n) {
                Some(have) => have.merge(b),
                None => {
                    self.branches.insert(*n, b.clone());
                }
            }
        }
        self.broken |= other.broken;
    }

    /// Gives back the memory reserved while the file was read.
    pub fn shrink(&mut self) {
        self.state.shrink_to_fit();
        self.branches.0.shrink_to_fit();
    }

    /// Whether line `n` is executable, and if so whether it was covered.
    pub fn get(&self, n: u32) -> Option<bool> {
        match self.state.get(n as usize).copied() {
            Some(HIT) => Some(true),
            Some(MISSED) => Some(false),
            _ => None,
        }
    }
}

/// The destination name of a branch that leaves the code object (function, class or
/// module) instead of jumping to a line. coverage.py writes it `exit` in Cobertura's
/// `missing-branches`, as a negative line in JSON arcs and as a phrase in LCOV; every
/// reader turns its form into this one so the formats of one run merge by name.
pub const EXIT: &str = "exit";

/// How coverage.py's LCOV names a branch to the exit (`parser.py`, 7.x): the default
/// `jump to the function exit` and the phrases of its function, class and module blocks.
const LCOV_EXITS: [&str; 5] = [
    "jump to the function exit",
    "return from function ",
    "except from function ",
    "exit the module",
    "exit class ",
];

/// The destination of an LCOV branch name written by coverage.py: the line of
/// `jump to line 7`, or [`EXIT`] for a branch that leaves the function, class or module
/// (`return from function 'f'`), so LCOV and Cobertura/JSON of one coverage.py run
/// agree. `None` for other tools' names (geninfo's block and branch numbers).
pub fn lcov_destination(name: &str) -> Option<&str> {
    let name = name.trim();
    if let Some(line) = name.strip_prefix("jump to line ") {
        return Some(line.trim());
    }
    LCOV_EXITS
        .iter()
        .any(|p| name.starts_with(p))
        .then_some(EXIT)
}

/// The destination name of a coverage.py JSON arc's end: the line, or [`EXIT`] for the
/// negative numbers that stand for leaving a code object.
pub fn arc_destination(to: i64) -> String {
    if to < 0 {
        EXIT.to_owned()
    } else {
        to.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_runs_cover_the_union_of_their_lines() {
        let mut unit = LineDetail::default();
        let mut integ = LineDetail::default();
        for n in 1..=8 {
            unit.line(Some(n), n <= 4);
            integ.line(Some(n), n > 4);
        }
        unit.merge(&integ);
        assert_eq!(unit.lines(), (8, 8));
    }

    #[test]
    fn named_branches_merge_by_name_and_unnamed_by_the_better_count() {
        let named = |missing: &[&str]| BranchLine {
            covered: 2 - missing.len() as u32,
            total: 2,
            missing: Some(Box::new((
                Scheme::Destination,
                missing.iter().map(|s| (*s).to_owned()).collect(),
            ))),
        };
        let mut a = LineDetail::default();
        a.branch(Some(6), named(&["7"]));
        a.branch(Some(6), named(&["8"]));
        assert_eq!(a.branches(), (2, 2));
        let mut b = LineDetail::default();
        b.branch(Some(6), named(&["7"]));
        b.branch(
            Some(6),
            BranchLine {
                covered: 1,
                total: 2,
                missing: Some(Box::new((Scheme::Lcov, vec!["0,jump to line 8".into()]))),
            },
        );
        assert_eq!(b.branches(), (1, 2), "different schemes never intersect");
    }

    #[test]
    fn coverage_py_exit_branches_have_one_name_in_every_format() {
        assert_eq!(lcov_destination("jump to line 12"), Some("12"));
        for phrase in [
            "return from function 'remember'",
            "jump to the function exit",
            "except from function 'f'",
            "exit the module",
            "exit class 'C'",
        ] {
            assert_eq!(lcov_destination(phrase), Some(EXIT), "{phrase}");
        }
        assert_eq!(lcov_destination("1"), None, "geninfo's branch numbers");
        assert_eq!(arc_destination(-9), EXIT);
        assert_eq!(arc_destination(11), "11");
    }

    #[test]
    fn two_exits_of_one_line_missed_once_and_twice_leave_one_missed() {
        let exits = |missing: &[&str]| BranchLine {
            covered: 3 - missing.len() as u32,
            total: 3,
            missing: Some(Box::new((
                Scheme::Destination,
                missing.iter().map(|s| (*s).to_owned()).collect(),
            ))),
        };
        let mut a = LineDetail::default();
        a.branch(Some(4), exits(&[EXIT, EXIT]));
        a.branch(Some(4), exits(&[EXIT, "5"]));
        assert_eq!(a.branches(), (2, 3));
    }

    #[test]
    fn a_line_without_a_number_makes_the_detail_unusable() {
        let mut d = LineDetail::default();
        d.line(None, true);
        assert!(!d.usable());
    }
}
