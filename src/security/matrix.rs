//! The runtime matrix: what podwiz's own node tests saw each mode do on a real node
//! (kubelet + containerd + runc, Podman inside the pod). Pure reader of
//! `assets/runtime-matrix.json`, which `tests/node_matrix.rs` writes (the contract:
//! `runtime-matrix-contract.md` of the project brief; schema 1).
//!
//! The file is compiled in and parsed once. A malformed file is a test failure
//! (`matrix_parses_and_is_sorted` below), never a panic: at run time [`matrix`] returns the
//! error and every claim reads "not verified" with that error as the reason.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::scenario::{Bundle, Mode, Resolved, Storage};

const RUNTIME_MATRIX_JSON: &str = include_str!("../../assets/runtime-matrix.json");

/// The schema version this reader understands.
pub const SCHEMA: u32 = 1;

/// The whole matrix.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeMatrix {
    pub schema: u32,
    pub generated_by: String,
    /// Component → version (`kubernetes`, `containerd`, `runc`, `podman`, `inner_runtime`,
    /// `kernel`, `cgroup`). Empty until the node tests have run.
    pub runtime: BTreeMap<String, String>,
    pub rows: Vec<Row>,
}

/// One check of one mode variant (or of a negative control) on the node.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub mode: Mode,
    /// Short name: `default`, `article`, `fuse-device-plugin`, ...
    pub variant: String,
    /// Option words as the CLI spells them (`fuse`, `storage`, `userns`, `userns-shape`,
    /// `selinux`, `platform`, `image`), only those the variant sets beyond the mode's defaults.
    pub options: BTreeMap<String, String>,
    /// A negative control ("without /dev/fuse", ...): the mode with a key ingredient removed.
    pub control: Option<String>,
    pub check: Check,
    pub result: Outcome,
    /// The exact error (fail) or the reason (not-verifiable); empty on pass.
    pub detail: String,
    /// For control rows: the troubleshoot cause id podwiz gave for `detail`.
    pub diagnosis: Option<String>,
}

/// What was tried in the pod, in the matrix's sort order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The pod reached Running.
    Running,
    PodmanInfo,
    /// `podman run --rm --network=none <inner image> echo hello`.
    PodmanRun,
    /// A two-step `podman build`.
    PodmanBuild,
    /// `podman --remote run` against the node's socket.
    RemoteRun,
    RemoteBuild,
}

impl Check {
    pub const ALL: [Check; 6] = [
        Check::Running,
        Check::PodmanInfo,
        Check::PodmanRun,
        Check::PodmanBuild,
        Check::RemoteRun,
        Check::RemoteBuild,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Running => "running",
            Check::PodmanInfo => "podman-info",
            Check::PodmanRun => "podman-run",
            Check::PodmanBuild => "podman-build",
            Check::RemoteRun => "remote-run",
            Check::RemoteBuild => "remote-build",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    NotVerifiable,
}

/// How far a "works inside" claim is backed by the node tests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Verification {
    /// The check passed on the node; `runtime` names the versions it ran on.
    Verified { variant: String, runtime: String },
    /// The check failed on the node with `error` (the runtime's own words).
    VerifiedFailing {
        variant: String,
        runtime: String,
        error: String,
    },
    /// Not backed by a run; `reason` says why.
    NotVerified { reason: String },
}

impl Verification {
    /// A short marker for tables: `✓` verified, `✗` verified failing, `?` not verified.
    pub fn mark(&self) -> &'static str {
        match self {
            Verification::Verified { .. } => "✓",
            Verification::VerifiedFailing { .. } => "✗",
            Verification::NotVerified { .. } => "?",
        }
    }

    /// One line: `verified on Kubernetes v1.37.2, ...`, `fails on ...: ERROR`, `not verified: WHY`.
    pub fn describe(&self) -> String {
        match self {
            Verification::Verified { runtime, .. } => format!("verified on {runtime}"),
            Verification::VerifiedFailing { runtime, error, .. } => {
                format!("verified failing on {runtime}: {error}")
            }
            Verification::NotVerified { reason } => format!("not verified: {reason}"),
        }
    }
}

/// Parses a matrix text and checks the contract's rules (schema, sort order, detail present
/// where required). Errors are one line.
pub fn parse(text: &str) -> Result<RuntimeMatrix, String> {
    let m: RuntimeMatrix =
        serde_json::from_str(text).map_err(|e| format!("runtime matrix: {e}"))?;
    if m.schema != SCHEMA {
        return Err(format!(
            "runtime matrix: schema {} (this podwiz reads schema {SCHEMA})",
            m.schema
        ));
    }
    for (i, row) in m.rows.iter().enumerate() {
        let where_ = format!(
            "runtime matrix row {i} ({} {} {})",
            row.mode,
            row.variant,
            row.check.as_str()
        );
        match row.result {
            Outcome::Pass if !row.detail.is_empty() => {
                return Err(format!("{where_}: a pass has no detail"));
            }
            Outcome::Fail | Outcome::NotVerifiable if row.detail.trim().is_empty() => {
                return Err(format!("{where_}: the error or reason is missing"));
            }
            _ => {}
        }
        if row.variant.is_empty() {
            return Err(format!("{where_}: empty variant"));
        }
    }
    let key = |r: &Row| {
        (
            r.mode,
            r.variant.clone(),
            r.control.is_some(),
            r.control.clone(),
            r.check,
        )
    };
    if let Some(i) = m.rows.windows(2).position(|w| key(&w[0]) >= key(&w[1])) {
        return Err(format!(
            "runtime matrix: rows {i} and {} are out of order or duplicated (mode, variant, control, check)",
            i + 1
        ));
    }
    Ok(m)
}

/// The compiled-in matrix, parsed at first use (Err: the one-line parse error).
pub fn matrix() -> Result<&'static RuntimeMatrix, &'static str> {
    static MATRIX: OnceLock<Result<RuntimeMatrix, String>> = OnceLock::new();
    MATRIX
        .get_or_init(|| parse(RUNTIME_MATRIX_JSON))
        .as_ref()
        .map_err(String::as_str)
}

impl RuntimeMatrix {
    /// `Kubernetes v1.37.2, containerd v2.4.2, runc 1.5.3, Podman 5.4.2 (crun 1.21), kernel
    /// 6.18.x, cgroup v1 (hybrid)`: the known components in that order, then any others.
    pub fn runtime_line(&self) -> String {
        const KNOWN: [(&str, &str); 7] = [
            ("kubernetes", "Kubernetes"),
            ("containerd", "containerd"),
            ("runc", "runc"),
            ("podman", "Podman"),
            ("inner_runtime", "inner runtime"),
            ("kernel", "kernel"),
            ("cgroup", "cgroup"),
        ];
        let mut parts: Vec<String> = KNOWN
            .iter()
            .filter_map(|(key, name)| self.runtime.get(*key).map(|v| format!("{name} {v}")))
            .collect();
        parts.extend(
            self.runtime
                .iter()
                .filter(|(k, _)| !KNOWN.iter().any(|(known, _)| known == k))
                .map(|(k, v)| format!("{k} {v}")),
        );
        if parts.is_empty() {
            "an unnamed runtime".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The row of `check` for this mode and these option words (no control), if the node tests
    /// have one.
    pub fn row(
        &self,
        mode: Mode,
        options: &BTreeMap<String, String>,
        check: Check,
    ) -> Option<&Row> {
        self.rows.iter().find(|r| {
            r.mode == mode
                && r.control.is_none()
                && r.check == check
                && same_options(&r.options, options)
        })
    }

    /// The negative controls of a mode.
    pub fn controls(&self, mode: Mode) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(move |r| r.mode == mode && r.control.is_some())
    }
}

/// Option maps are equal; a storage word matches `hostpath`/`pvc` with or without `:VALUE`.
fn same_options(row: &BTreeMap<String, String>, wanted: &BTreeMap<String, String>) -> bool {
    let word = |k: &str, v: &str| {
        if k == "storage" {
            v.split(':').next().unwrap_or(v).to_string()
        } else {
            v.to_string()
        }
    };
    row.len() == wanted.len()
        && row
            .iter()
            .all(|(k, v)| wanted.get(k).is_some_and(|w| word(k, w) == word(k, v)))
}

/// The option words of `options` that differ from `defaults` (same mode), keyed as the CLI
/// spells its flags. Name, namespace, command and namespace creation do not change what runs
/// inside, so they are left out; the image does.
pub fn option_words(options: &Resolved, defaults: &Resolved) -> BTreeMap<String, String> {
    let storage = |s: &Option<Storage>| {
        s.as_ref().map(|s| match s {
            Storage::Emptydir => "emptydir".to_string(),
            Storage::Hostpath(p) => format!("hostpath:{p}"),
            Storage::Pvc(n) => format!("pvc:{n}"),
            Storage::None => "none".to_string(),
        })
    };
    let pairs: [(&str, Option<String>, Option<String>); 7] = [
        (
            "userns",
            options.userns.map(|v| v.as_str().into()),
            defaults.userns.map(|v| v.as_str().into()),
        ),
        (
            "userns-shape",
            options.userns_shape.map(|v| v.as_str().into()),
            defaults.userns_shape.map(|v| v.as_str().into()),
        ),
        (
            "fuse",
            options.fuse.map(|v| v.as_str().into()),
            defaults.fuse.map(|v| v.as_str().into()),
        ),
        (
            "storage",
            storage(&options.storage),
            storage(&defaults.storage),
        ),
        (
            "selinux",
            options.selinux.map(|v| v.as_str().into()),
            defaults.selinux.map(|v| v.as_str().into()),
        ),
        (
            "platform",
            Some(options.platform.as_str().into()),
            Some(defaults.platform.as_str().into()),
        ),
        (
            "image",
            Some(options.image.clone()),
            Some(defaults.image.clone()),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, value, default)| value != default)
        .filter_map(|(key, value, _)| value.map(|v| (key.to_string(), v)))
        .collect()
}

/// The option words of `bundle` beyond its mode's defaults ([`option_words`]); Err when the
/// defaults do not build (a bug: a test builds every mode's defaults).
pub fn bundle_words(bundle: &Bundle) -> Result<BTreeMap<String, String>, String> {
    let defaults = crate::scenario::build(bundle.mode, &crate::scenario::Options::default())
        .map_err(|e| format!("the mode's default options do not build: {e}"))?;
    Ok(option_words(&bundle.options, &defaults.options))
}

/// How far the node tests back `check` for `bundle` (compared with its mode's defaults).
pub fn verify_claim(bundle: &Bundle, check: Check) -> Verification {
    match bundle_words(bundle) {
        Ok(words) => lookup(bundle.mode, &words, check),
        Err(reason) => Verification::NotVerified { reason },
    }
}

/// [`verify_claim`] for a mode and option words already computed, from the compiled-in matrix.
pub fn lookup(mode: Mode, words: &BTreeMap<String, String>, check: Check) -> Verification {
    match matrix() {
        Ok(m) => m.verification(mode, words, check),
        Err(e) => Verification::NotVerified {
            reason: e.to_string(),
        },
    }
}

impl RuntimeMatrix {
    /// How this matrix backs `check` for `mode` with option words `words`.
    pub fn verification(
        &self,
        mode: Mode,
        words: &BTreeMap<String, String>,
        check: Check,
    ) -> Verification {
        let Some(row) = self.row(mode, words, check) else {
            let options = if words.is_empty() {
                "its default options".to_string()
            } else {
                words
                    .iter()
                    .map(|(k, v)| format!("--{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            return Verification::NotVerified {
                reason: format!(
                    "the node tests have no {} row for {mode} with {options}",
                    check.as_str()
                ),
            };
        };
        match row.result {
            Outcome::Pass => Verification::Verified {
                variant: row.variant.clone(),
                runtime: self.runtime_line(),
            },
            Outcome::Fail => Verification::VerifiedFailing {
                variant: row.variant.clone(),
                runtime: self.runtime_line(),
                error: row.detail.clone(),
            },
            Outcome::NotVerifiable => Verification::NotVerified {
                reason: row.detail.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Fuse, Options, build};

    #[test]
    fn matrix_parses_and_is_sorted() {
        // The committed file: a malformed one fails here, not in front of a user.
        let m = parse(RUNTIME_MATRIX_JSON).expect("assets/runtime-matrix.json");
        assert_eq!(m.generated_by, "tests/node_matrix.rs");
        for mode in Mode::ALL {
            assert!(
                m.rows.iter().any(|r| r.mode == mode),
                "no row for mode {mode}"
            );
        }
        assert!(matrix().is_ok());
    }

    fn row(mode: Mode, variant: &str, check: Check, result: Outcome, detail: &str) -> String {
        format!(
            r#"{{"mode":"{mode}","variant":"{variant}","options":{{}},"control":null,"check":"{}","result":"{}","detail":"{detail}","diagnosis":null}}"#,
            check.as_str(),
            match result {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                Outcome::NotVerifiable => "not-verifiable",
            }
        )
    }

    fn doc(rows: &[String]) -> String {
        format!(
            r#"{{"schema":1,"generated_by":"tests/node_matrix.rs","runtime":{{"kubernetes":"v1.37.2","runc":"1.5.3"}},"rows":[{}]}}"#,
            rows.join(",")
        )
    }

    #[test]
    fn malformed_matrices_are_one_line_errors() {
        let cases = [
            ("not json", "runtime matrix: expected"),
            (
                r#"{"schema":2,"generated_by":"x","runtime":{},"rows":[]}"#,
                "schema 2",
            ),
            (
                r#"{"schema":1,"generated_by":"x","runtime":{},"rows":[],"extra":1}"#,
                "unknown field",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let unsorted = doc(&[
            row(Mode::Userns, "default", Check::Running, Outcome::Pass, ""),
            row(
                Mode::RootfulPriv,
                "default",
                Check::Running,
                Outcome::Pass,
                "",
            ),
        ]);
        assert!(
            parse(&unsorted)
                .expect_err("unsorted")
                .contains("out of order")
        );
        let no_error = doc(&[row(
            Mode::Userns,
            "default",
            Check::PodmanRun,
            Outcome::Fail,
            "",
        )]);
        assert!(
            parse(&no_error)
                .expect_err("fail without error")
                .contains("missing")
        );
        let pass_with_detail = doc(&[row(
            Mode::Userns,
            "default",
            Check::PodmanRun,
            Outcome::Pass,
            "x",
        )]);
        assert!(parse(&pass_with_detail).is_err());
    }

    #[test]
    fn rows_become_verifications() {
        let m = parse(&doc(&[
            row(
                Mode::RootfulPriv,
                "default",
                Check::PodmanRun,
                Outcome::Pass,
                "",
            ),
            row(
                Mode::RootfulPriv,
                "default",
                Check::PodmanBuild,
                Outcome::Fail,
                "boom: EPERM",
            ),
        ]))
        .expect("valid");
        assert_eq!(m.runtime_line(), "Kubernetes v1.37.2, runc 1.5.3");
        let none = BTreeMap::new();
        assert!(m.row(Mode::RootfulPriv, &none, Check::PodmanRun).is_some());
        assert!(m.row(Mode::RootfulPriv, &none, Check::PodmanInfo).is_none());
        let mut fuse = BTreeMap::new();
        fuse.insert("fuse".to_string(), "device-plugin".to_string());
        assert!(m.row(Mode::RootfulPriv, &fuse, Check::PodmanRun).is_none());
        assert_eq!(
            m.verification(Mode::RootfulPriv, &none, Check::PodmanRun),
            Verification::Verified {
                variant: "default".into(),
                runtime: "Kubernetes v1.37.2, runc 1.5.3".into()
            }
        );
        assert_eq!(
            m.verification(Mode::RootfulPriv, &none, Check::PodmanBuild),
            Verification::VerifiedFailing {
                variant: "default".into(),
                runtime: "Kubernetes v1.37.2, runc 1.5.3".into(),
                error: "boom: EPERM".into()
            }
        );
        assert_eq!(
            m.verification(Mode::RootfulPriv, &fuse, Check::PodmanRun),
            Verification::NotVerified {
                reason: "the node tests have no podman-run row for rootful-priv with --fuse device-plugin".into()
            }
        );
    }

    #[test]
    fn option_words_name_only_what_differs_from_the_mode_defaults() {
        let defaults = build(Mode::RootlessNoPriv, &Options::default())
            .expect("valid")
            .options;
        assert!(option_words(&defaults, &defaults).is_empty());
        let other = build(
            Mode::RootlessNoPriv,
            &Options {
                fuse: Some(Fuse::DevicePlugin),
                name: Some("renamed".into()),
                storage: Some(Storage::Pvc("data".into())),
                ..Options::default()
            },
        )
        .expect("valid")
        .options;
        let words = option_words(&other, &defaults);
        let keys: Vec<&str> = words.keys().map(String::as_str).collect();
        assert!(keys.contains(&"storage"), "{words:?}");
        assert_eq!(words.get("storage").map(String::as_str), Some("pvc:data"));
        assert!(!keys.contains(&"name"));
        // A pvc row of the matrix matches whatever claim name the user picked.
        let mut row = BTreeMap::new();
        row.insert("storage".to_string(), "pvc".to_string());
        let mut only_storage = BTreeMap::new();
        only_storage.insert("storage".to_string(), "pvc:data".to_string());
        assert!(same_options(&row, &only_storage));
    }

    #[test]
    fn verification_lines_say_what_backs_a_claim() {
        let v = Verification::Verified {
            variant: "default".into(),
            runtime: "Kubernetes v1.37.2".into(),
        };
        assert_eq!(v.describe(), "verified on Kubernetes v1.37.2");
        assert_eq!(v.mark(), "✓");
        let f = Verification::VerifiedFailing {
            variant: "default".into(),
            runtime: "K".into(),
            error: "EPERM".into(),
        };
        assert_eq!(f.describe(), "verified failing on K: EPERM");
        let n = Verification::NotVerified {
            reason: "node matrix not run yet".into(),
        };
        assert_eq!(n.describe(), "not verified: node matrix not run yet");
        assert_eq!(n.mark(), "?");
        let json = serde_json::to_value(&f).expect("json");
        assert_eq!(json["status"], "verified-failing");
        assert_eq!(json["error"], "EPERM");
    }
}
