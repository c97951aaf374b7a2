//! Known errors of Podman in a pod: paste a message, get the cause, the fix and the mode or
//! variant that avoids it. Matching is by words, not exact strings: case, punctuation, quotes,
//! log prefixes and spacing do not matter.

use serde::Serialize;

use super::assets::assets;

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

/// The known error that `text` is, if any: the entry whose matching patterns cover the most
/// words; the first entry on a tie.
pub fn diagnose(text: &str) -> Option<Diagnosis> {
    let text = words(text);
    if text.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &super::assets::TroubleText)> = None;
    for entry in &assets().troubleshoot {
        let score: usize = entry.patterns.iter().map(|p| pattern_score(&text, p)).sum();
        if score > 0 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, entry));
        }
    }
    best.map(|(_, e)| Diagnosis::from(e))
}

/// Every known error, in catalogue order.
pub fn known() -> Vec<Diagnosis> {
    assets().troubleshoot.iter().map(Diagnosis::from).collect()
}

impl From<&super::assets::TroubleText> for Diagnosis {
    fn from(e: &super::assets::TroubleText) -> Diagnosis {
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
