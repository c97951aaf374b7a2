//! Known errors of Podman in a pod: paste a log, get the causes that fit, ranked, with why the
//! first one wins, its fix and the mode or variant that avoids it.
//!
//! 1. [`log::lines_to_read`]: only the error lines of the paste (debug, info and warning noise
//!    is not evidence), whatever the log format.
//! 2. [`parse::parse`]: the operation of each line and its errno (`Permission denied` = EACCES
//!    points to a security module, `Operation not permitted` = EPERM to capabilities, /proc masks
//!    or seccomp), mount flags decoded.
//! 3. Every catalogue entry is weighed: the words of its known message (case, punctuation,
//!    quotes and spacing do not matter), its `evidence` rules (`op:`, `errno:`, `word:` and,
//!    with `--pod`, `pod:` conditions, each with a weight and a sentence saying why), and its
//!    `errno` list: a cause that cannot produce the errno read is ruled out.

pub mod log;
pub mod parse;
pub mod pod;

use serde::Serialize;

use super::assets::{TroubleText, assets, label};
pub use log::{Level, LogLine};
pub use parse::{Errno, Parsed};
pub use pod::PodFacts;

/// What podwiz knows about an error message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub id: String,
    /// The canonical error message.
    pub error: String,
    pub cause: String,
    pub fix: String,
    /// Keys of `explain_choice` (`mode.rootful-priv`, `storage.emptydir`, ...) that avoid it.
    pub avoided_by: Vec<String>,
    pub source: String,
}

/// A cause that fits, with its weight and the reasons for it (and against it: negative rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    #[serde(flatten)]
    pub diagnosis: Diagnosis,
    /// The sum of the matched words and the weights of the rules that hold.
    pub score: i64,
    pub reasons: Vec<String>,
}

/// A cause whose words matched, excluded by the errno.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuledOut {
    pub id: String,
    pub reason: String,
}

/// One line read, and what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadLine {
    #[serde(flatten)]
    pub line: LogLine,
    #[serde(flatten)]
    pub parsed: Parsed,
}

/// Everything the troubleshooter read and concluded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// The lines read (errors only, when there are any).
    pub lines: Vec<ReadLine>,
    /// The pod's facts, when a pod was given as evidence.
    pub pod: Option<PodFacts>,
    /// The causes that fit, most likely first.
    pub causes: Vec<Candidate>,
    pub ruled_out: Vec<RuledOut>,
}

impl Analysis {
    pub fn first(&self) -> Option<&Candidate> {
        self.causes.first()
    }

    /// Why the first cause wins: its reasons, then its score against the runner-up's.
    pub fn why_first(&self) -> Vec<String> {
        let Some(first) = self.causes.first() else {
            return Vec::new();
        };
        let mut why = first.reasons.clone();
        if let Some(second) = self.causes.get(1) {
            why.push(
                label("troubleshoot_versus")
                    .replace("{score}", &first.score.to_string())
                    .replace("{other_score}", &second.score.to_string())
                    .replace("{other}", &second.diagnosis.id),
            );
        }
        why
    }
}

/// Lower-case words: letters and digits; everything else separates (`uid_map` → `uid map`,
/// `re-exec` → `re exec`, `/dev/net/tun` → `dev net tun`).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_phrase(haystack: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty()
        && haystack.len() >= phrase.len()
        && haystack
            .windows(phrase.len())
            .any(|window| window == phrase)
}

/// The number of words a pattern matched (0: no match). A pattern is phrases joined by `&`;
/// every phrase must appear, anywhere.
fn pattern_score(text: &[String], pattern: &str) -> usize {
    let phrases: Vec<Vec<String>> = pattern.split('&').map(words).collect();
    if phrases.iter().all(|p| contains_phrase(text, p)) {
        phrases.iter().map(Vec::len).sum()
    } else {
        0
    }
}

/// The operations an `op:` condition may name (see [`parse::Parsed::operations`]).
pub const OPERATIONS: [&str; 8] = [
    "mount",
    "mount-fs",
    "mount-proc",
    "mount-bind",
    "unshare",
    "cgroup",
    "uid-map",
    "open",
];

/// One term of an evidence condition, `!` negates: `op:NAME`, `errno:NAME`, `word:PHRASE`,
/// `pod:FACT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    Op(bool, String),
    Errno(bool, String),
    Word(bool, String),
    Pod(bool, String),
}

/// Parses a condition (`op:mount & errno:EACCES & pod:!selinux-type`); the error names the
/// term that is not understood.
pub fn parse_condition(condition: &str) -> Result<Vec<Term>, String> {
    condition
        .split('&')
        .map(|term| {
            let term = term.trim();
            let (kind, value) = term
                .split_once(':')
                .ok_or_else(|| format!("'{term}' has no kind (op:, errno:, word:, pod:)"))?;
            let (negated, value) = match value.strip_prefix('!') {
                Some(v) => (true, v.to_string()),
                None => (false, value.to_string()),
            };
            match kind {
                "op" if OPERATIONS.contains(&value.as_str()) => Ok(Term::Op(negated, value)),
                "errno" if parse::errno_names().contains(&value.as_str()) => {
                    Ok(Term::Errno(negated, value))
                }
                "word" if !words(&value).is_empty() => Ok(Term::Word(negated, value)),
                "pod" if PodFacts::NAMES.contains(&value.as_str()) => Ok(Term::Pod(negated, value)),
                _ => Err(format!("'{term}' is not a known condition")),
            }
        })
        .collect()
}

/// Whether `terms` hold: line terms on one same line, words anywhere in the lines read, pod
/// terms on the pod (false without a pod).
fn holds(terms: &[Term], lines: &[ReadLine], text: &[String], pod: Option<&PodFacts>) -> bool {
    let on_line = |line: &ReadLine| {
        terms.iter().all(|t| match t {
            Term::Op(neg, op) => line.parsed.operations.contains(&op.as_str()) != *neg,
            Term::Errno(neg, name) => line.parsed.errno.is_some_and(|e| e.name == name) != *neg,
            _ => true,
        })
    };
    let others = terms.iter().all(|t| match t {
        Term::Word(neg, phrase) => contains_phrase(text, &words(phrase)) != *neg,
        Term::Pod(neg, fact) => pod.and_then(|p| p.get(fact)) == Some(!*neg),
        _ => true,
    });
    let has_line_terms = terms
        .iter()
        .any(|t| matches!(t, Term::Op(..) | Term::Errno(..)));
    others && (!has_line_terms || lines.iter().any(on_line))
}

/// Reads `text` (a pasted log), with the pod's facts as extra evidence, and ranks the causes.
pub fn analyze(text: &str, pod: Option<&PodFacts>) -> Analysis {
    let lines: Vec<ReadLine> = log::lines_to_read(text)
        .into_iter()
        .map(|line| ReadLine {
            parsed: parse::parse(&line.message),
            line,
        })
        .collect();
    let joined: Vec<String> = lines.iter().flat_map(|l| words(&l.line.message)).collect();
    let errnos: Vec<Errno> = lines.iter().filter_map(|l| l.parsed.errno).collect();
    let mut causes: Vec<(usize, Candidate)> = Vec::new();
    let mut ruled_out = Vec::new();
    if !joined.is_empty() {
        for (order, entry) in assets().troubleshoot.iter().enumerate() {
            match weigh(entry, &lines, &joined, &errnos, pod) {
                Weighed::Fits(candidate) => causes.push((order, candidate)),
                Weighed::RuledOut(reason) => ruled_out.push(RuledOut {
                    id: entry.id.clone(),
                    reason,
                }),
                Weighed::NoMatch => {}
            }
        }
    }
    // Highest score first; the catalogue's order breaks ties.
    causes.sort_by(|(a_order, a), (b_order, b)| b.score.cmp(&a.score).then(a_order.cmp(b_order)));
    Analysis {
        lines,
        pod: pod.cloned(),
        causes: causes.into_iter().map(|(_, c)| c).collect(),
        ruled_out,
    }
}

enum Weighed {
    Fits(Candidate),
    RuledOut(String),
    NoMatch,
}

fn weigh(
    entry: &TroubleText,
    lines: &[ReadLine],
    text: &[String],
    errnos: &[Errno],
    pod: Option<&PodFacts>,
) -> Weighed {
    let mut score: i64 = 0;
    let mut from_text = false;
    let mut reasons = Vec::new();
    for pattern in &entry.patterns {
        let matched = pattern_score(text, pattern);
        if matched > 0 {
            score += matched as i64;
            from_text = true;
            reasons.push(label("troubleshoot_why_pattern").replace("{pattern}", pattern.trim()));
        }
    }
    for rule in &entry.evidence {
        // The catalogue test parses every condition; one that does not parse never holds.
        let Ok(terms) = parse_condition(&rule.when) else {
            continue;
        };
        if holds(&terms, lines, text, pod) {
            score += rule.weight;
            let about_pod = terms.iter().any(|t| matches!(t, Term::Pod(..)));
            from_text |= rule.weight > 0 && !about_pod;
            reasons.push(rule.why.clone());
        }
    }
    if !from_text {
        return Weighed::NoMatch;
    }
    if !entry.errno.is_empty()
        && !errnos.is_empty()
        && !errnos
            .iter()
            .any(|e| entry.errno.iter().any(|n| n == e.name))
    {
        let read = errnos[errnos.len() - 1];
        return Weighed::RuledOut(
            label("troubleshoot_errno_mismatch")
                .replace("{errno}", read.name)
                .replace("{text}", read.text)
                .replace("{expected}", &entry.errno.join(" or ")),
        );
    }
    Weighed::Fits(Candidate {
        diagnosis: Diagnosis::from(entry),
        score,
        reasons,
    })
}

/// The known error that `text` most likely is, if any (the first cause of [`analyze`] without
/// a pod).
pub fn diagnose(text: &str) -> Option<Diagnosis> {
    analyze(text, None)
        .causes
        .into_iter()
        .next()
        .map(|c| c.diagnosis)
}

/// Every known error, in catalogue order.
pub fn known() -> Vec<Diagnosis> {
    assets().troubleshoot.iter().map(Diagnosis::from).collect()
}

impl From<&TroubleText> for Diagnosis {
    fn from(e: &TroubleText) -> Diagnosis {
        Diagnosis {
            id: e.id.clone(),
            error: e.error.clone(),
            cause: e.cause.clone(),
            fix: e.fix.clone(),
            avoided_by: e.avoided_by.clone(),
            source: e.source.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_evidence_condition_of_the_catalogue_parses() {
        for entry in &assets().troubleshoot {
            for rule in &entry.evidence {
                if let Err(e) = parse_condition(&rule.when) {
                    panic!("troubleshoot.{}: {e}", entry.id);
                }
                assert!(
                    !rule.why.trim().is_empty(),
                    "troubleshoot.{}: empty why",
                    entry.id
                );
                assert_ne!(rule.weight, 0, "troubleshoot.{}: weight 0", entry.id);
            }
            for errno in &entry.errno {
                assert!(
                    parse::errno_names().contains(&errno.as_str()),
                    "troubleshoot.{}: unknown errno {errno}",
                    entry.id
                );
            }
        }
    }

    #[test]
    fn conditions_reject_unknown_terms() {
        assert!(parse_condition("op:mount & errno:EACCES & pod:!selinux-type").is_ok());
        assert!(parse_condition("op:mnt").is_err());
        assert!(parse_condition("errno:EFOO").is_err());
        assert!(parse_condition("pod:shiny").is_err());
        assert!(parse_condition("mount").is_err());
    }
}
