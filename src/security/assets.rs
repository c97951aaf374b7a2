//! The security texts of `assets/security.toml`, parsed once at first use.
//!
//! Every human-readable sentence of the security layer lives in that file, each entry with its
//! source. A parse failure is a bug of the build (a test parses the file), so `assets()` panics
//! with the TOML error rather than returning a half-empty catalogue.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::findings::Severity;

const SECURITY_TOML: &str = include_str!("../../assets/security.toml");

/// The whole catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assets {
    /// podwiz's own UI wording (headings, labels); has a `source` key like every entry.
    pub labels: BTreeMap<String, String>,
    pub findings: BTreeMap<String, FindingText>,
    pub choices: BTreeMap<String, Explanation>,
    /// The wizard's own steps and form rows (`start`, `runs.<root|rootless>`, `field.<row>`).
    #[serde(default)]
    pub steps: BTreeMap<String, Explanation>,
    pub grants: Vec<GrantText>,
    pub requirements: Vec<TextEntry>,
    pub works_inside: Vec<TextEntry>,
    pub compare: CompareText,
    pub troubleshoot: Vec<TroubleText>,
}

/// The wording of one finding; `{container}`, `{value}`, `{volume}`, `{engine}` are filled in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingText {
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub source: String,
}

/// A short "what it is / what it costs" text for a wizard choice.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    pub title: String,
    pub text: String,
    pub source: String,
}

/// When an entry applies. Every non-empty list must hold; within a list, any value matches
/// (facts: all must hold, `!` negates).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub modes: Vec<String>,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub userns: Vec<String>,
    #[serde(default)]
    pub userns_shape: Vec<String>,
    #[serde(default)]
    pub fuse: Vec<String>,
    #[serde(default)]
    pub storage: Vec<String>,
    #[serde(default)]
    pub selinux: Vec<String>,
    #[serde(default)]
    pub platform: Vec<String>,
}

/// Where a grant applies: inside the pod, or on the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Pod,
    Node,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Pod => "pod",
            Scope::Node => "node",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantText {
    pub scope: Scope,
    #[serde(default)]
    pub when: When,
    pub text: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextEntry {
    #[serde(default)]
    pub when: When,
    pub text: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareText {
    pub source: String,
    pub title: String,
    pub legend: Vec<String>,
    pub host_changes_heading: String,
    pub needs_crio: String,
    pub needs_k8s: String,
    pub needs_any: String,
    pub yes: String,
    pub no: String,
    pub columns: BTreeMap<String, String>,
    pub builds: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TroubleText {
    pub id: String,
    pub error: String,
    pub patterns: Vec<String>,
    /// The errnos this cause produces (`EACCES`, `EPERM`...); empty: any. A paste whose error
    /// lines carry only other errnos rules the cause out.
    #[serde(default)]
    pub errno: Vec<String>,
    /// Rules that weigh for (positive weight) or against (negative) this cause.
    #[serde(default)]
    pub evidence: Vec<EvidenceText>,
    /// A warning that needs no fix (kept out of the noise property test: it is noise itself).
    #[serde(default)]
    pub harmless: bool,
    pub cause: String,
    pub fix: String,
    pub avoided_by: Vec<String>,
    pub source: String,
}

/// One rule of a troubleshoot entry: when `when` holds (see
/// [`super::troubleshoot::parse_condition`]), `weight` is added to the cause's score and `why`
/// is shown among its reasons.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceText {
    pub when: String,
    pub weight: i64,
    pub why: String,
}

/// Parse the catalogue (for tests: surfaces the TOML error instead of panicking).
pub fn parse() -> Result<Assets, toml::de::Error> {
    toml::from_str(SECURITY_TOML)
}

/// The `[steps."…"]` tables alone, parsed without the rest of the catalogue: the wizard's first
/// frame shows one of them and should not wait for the whole file. Falls back to the full
/// catalogue if the slice does not parse on its own.
pub fn steps() -> &'static BTreeMap<String, Explanation> {
    #[derive(Deserialize)]
    struct StepsOnly {
        steps: BTreeMap<String, Explanation>,
    }
    static STEPS: OnceLock<Option<BTreeMap<String, Explanation>>> = OnceLock::new();
    let only = STEPS.get_or_init(|| {
        let start = SECURITY_TOML.find("\n[steps.")? + 1;
        let rest = &SECURITY_TOML[start..];
        let mut end = rest.len();
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.starts_with('[') && !line.starts_with("[steps.") {
                end = offset;
                break;
            }
            offset += line.len();
        }
        toml::from_str::<StepsOnly>(&rest[..end])
            .ok()
            .map(|s| s.steps)
    });
    match only {
        Some(steps) => steps,
        None => &assets().steps,
    }
}

/// The catalogue, parsed at first use.
pub fn assets() -> &'static Assets {
    static ASSETS: OnceLock<Assets> = OnceLock::new();
    ASSETS.get_or_init(|| match parse() {
        Ok(assets) => assets,
        // The file is compiled in; `assets_parse` in the tests catches any error first.
        Err(e) => panic!("assets/security.toml is invalid: {e}"),
    })
}

/// A UI label by key; empty when missing (a test checks that every key in `LABEL_KEYS` exists).
pub fn label(key: &str) -> &'static str {
    match assets().labels.get(key) {
        Some(text) => text.as_str(),
        None => "",
    }
}

/// The keys of the labels the code uses, for the completeness test.
pub const LABEL_KEYS: &[&str] = &[
    "pss_heading",
    "pss_line",
    "pss_baseline_heading",
    "pss_restricted_heading",
    "findings_heading",
    "findings_none",
    "findings_your_pod",
    "findings_addon",
    "addon_line",
    "grants_heading",
    "grants_pod",
    "grants_node",
    "host_changes_heading",
    "host_changes_none",
    "requirements_heading",
    "works_inside_heading",
    "requirement_pss",
    "troubleshoot_error",
    "troubleshoot_cause",
    "troubleshoot_fix",
    "troubleshoot_avoided_by",
    "troubleshoot_source",
    "troubleshoot_unknown",
    "troubleshoot_empty",
    "troubleshoot_read",
    "troubleshoot_why_first",
    "troubleshoot_others",
    "troubleshoot_ruled_out",
    "troubleshoot_why_pattern",
    "troubleshoot_errno_mismatch",
    "troubleshoot_versus",
    "troubleshoot_pod",
    "value_run_as_root_unset",
    "value_image",
    "value_image_no_tag",
    "value_tag_moves_podman",
    "value_tag_moves_other",
    "value_apparmor_field",
    "value_apparmor_annotation",
    "value_every_engine",
    "value_token_unset",
    "value_token_true",
];

/// Every (where, source) pair of the catalogue, for the "every entry has a source" test.
pub fn sources(assets: &Assets) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    out.push((
        "labels".to_string(),
        assets
            .labels
            .get("source")
            .map(String::as_str)
            .unwrap_or(""),
    ));
    for (id, f) in &assets.findings {
        out.push((format!("findings.{id}"), f.source.as_str()));
    }
    for (key, c) in &assets.choices {
        out.push((format!("choices.{key}"), c.source.as_str()));
    }
    for (key, c) in &assets.steps {
        out.push((format!("steps.{key}"), c.source.as_str()));
    }
    for (i, g) in assets.grants.iter().enumerate() {
        out.push((format!("grants[{i}]"), g.source.as_str()));
    }
    for (i, r) in assets.requirements.iter().enumerate() {
        out.push((format!("requirements[{i}]"), r.source.as_str()));
    }
    for (i, w) in assets.works_inside.iter().enumerate() {
        out.push((format!("works_inside[{i}]"), w.source.as_str()));
    }
    out.push(("compare".to_string(), assets.compare.source.as_str()));
    for t in &assets.troubleshoot {
        out.push((format!("troubleshoot.{}", t.id), t.source.as_str()));
    }
    out
}
