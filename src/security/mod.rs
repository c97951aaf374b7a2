//! Pure security model: Pod Security level, findings, explanations, comparisons.
//!
//! Every human-readable sentence comes from `assets/security.toml` (see [`assets`]).
pub mod assets;
pub mod compare;
pub mod findings;
pub mod matrix;
pub mod namespace;
pub mod pss;
pub mod report;
pub mod troubleshoot;
pub mod workload;

pub use assets::{Explanation, Scope};
pub use compare::{CompareRow, rows as compare_rows};
pub use findings::{Finding, Severity, findings_for_daemonset, findings_for_pod};
pub use matrix::{Check, Verification};
pub use namespace::{build, build_at};
pub use report::{
    Addon, Claim, Grant, Price, Report, apply_risk, assess, assess_at, price, price_at,
};
pub use troubleshoot::{Diagnosis, diagnose};

/// The wizard's explanation of a choice: `mode.<id>`, `userns.<word>`, `userns-shape.<word>`,
/// `fuse.<word>`, `storage.<emptydir|hostpath|pvc|none>`, `selinux.<word>`,
/// `apparmor.<runtime-default|unconfined|localhost>`, `platform.<word>`, `kind.<word>`.
pub fn explain_choice(key: &str) -> Option<&'static Explanation> {
    assets::assets().choices.get(key)
}

/// The wizard's explanation of one of its own steps or form rows: `start`, `runs.<root|rootless>`,
/// `field.<name|namespace|image|create-namespace>`.
pub fn explain_step(key: &str) -> Option<&'static Explanation> {
    assets::steps().get(key)
}

/// Every key `explain_choice` must answer, derived from the modes and option words.
pub fn choice_keys() -> Vec<String> {
    use crate::scenario::{
        Apparmor, Fuse, Kind, Mode, Platform, Selinux, Storage, Userns, UsernsShape,
    };
    let mut keys: Vec<String> = Mode::ALL.iter().map(|m| format!("mode.{m}")).collect();
    let mut add = |prefix: &str, words: &[&str]| {
        for word in words {
            let word = word.split(':').next().unwrap_or(word);
            keys.push(format!("{prefix}.{word}"));
        }
    };
    add("userns", Userns::WORDS);
    add("userns-shape", UsernsShape::WORDS);
    add("fuse", Fuse::WORDS);
    add("storage", Storage::WORDS);
    add("selinux", Selinux::WORDS);
    add("apparmor", Apparmor::WORDS);
    add("platform", Platform::WORDS);
    add("kind", Kind::WORDS);
    keys
}
