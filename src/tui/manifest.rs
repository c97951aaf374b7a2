//! The wizard's Review of a manifest someone already runs (`podwiz -f FILE`, `podwiz TYPE/NAME`):
//! per pod template, their YAML with the risk gutter, the safer rewrite and the diff to it,
//! derived once when the manifest arrives (never per frame). Pure: the front door reads the
//! file, the runtime fetches a live object and hands its JSON over as a message.

use crate::manifest::{self, Manifests, Skipped, Workload, WorkloadKind};
use crate::render::OutFile;
use crate::scenario::Object;
use crate::security::pss::PolicyVersion;
use crate::security::workload::{self, Suggestion, WorkloadReport};

use super::preview::{Doc, risk_lines};

/// The tabs of a manifest's Review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewTab {
    /// Their manifest as read (normalised YAML: comments and key order are not kept).
    Yours,
    /// The safer rewrite (kubectl-ready YAML), or why there is none.
    Rewrite,
    /// The unified diff from theirs to the rewrite.
    Diff,
}

impl ReviewTab {
    pub const ALL: [ReviewTab; 3] = [ReviewTab::Yours, ReviewTab::Rewrite, ReviewTab::Diff];

    pub fn title(self) -> &'static str {
        match self {
            ReviewTab::Yours => "Yours",
            ReviewTab::Rewrite => "Safer rewrite",
            ReviewTab::Diff => "Diff",
        }
    }
}

/// The safer rewrite of one object, with its own report (the level and findings that remain).
#[derive(Clone, Debug, PartialEq)]
pub struct RewriteView {
    pub suggestion: Suggestion,
    /// The rewrite as YAML, its lines marked with the findings of `after`.
    pub doc: Doc,
    /// The rewrite assessed again at the same policy version.
    pub after: Option<WorkloadReport>,
    /// `diff -u` from their YAML to the rewrite's (plain text).
    pub diff: Doc,
}

/// One pod template of the input.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectView {
    pub report: WorkloadReport,
    /// Their object without what the server fills in, lines marked with the report's findings.
    pub yours: Doc,
    pub rewrite: Option<RewriteView>,
}

impl ObjectView {
    fn new(report: WorkloadReport, version: PolicyVersion) -> ObjectView {
        let theirs = report.original.without_server_fields();
        let yours_yaml = yaml_of(&theirs);
        let yours = Doc::new(
            "Yours".into(),
            yours_yaml.clone(),
            risk_lines(&yours_yaml, &report.reference, &report.findings),
            true,
        );
        let rewrite = report.suggestion.clone().map(|suggestion| {
            let rewritten = suggestion.workload.without_server_fields();
            let yaml = yaml_of(&rewritten);
            let after = workload::assess_workload(&rewritten, version);
            let risks = after
                .as_ref()
                .map(|a| risk_lines(&yaml, &a.reference, &a.findings))
                .unwrap_or_default();
            let diff = similar::TextDiff::from_lines(&yours_yaml, &yaml)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("a/{}", report.reference),
                    &format!("b/{} ({})", report.reference, suggestion.mode),
                )
                .to_string();
            RewriteView {
                doc: Doc::new("Safer rewrite".into(), yaml, risks, true),
                diff: Doc::new("Diff".into(), diff, Vec::new(), false),
                after,
                suggestion,
            }
        });
        ObjectView {
            report,
            yours,
            rewrite,
        }
    }

    /// The object to apply, copy or save as "the rewrite": the rewrite, else theirs.
    pub fn rewritten_or_theirs(&self) -> Workload {
        match &self.rewrite {
            Some(r) => r.suggestion.workload.without_server_fields(),
            None => self.report.original.without_server_fields(),
        }
    }
}

/// YAML of one object. Serialising k8s-openapi structs to YAML does not fail in practice (string
/// keys, no non-finite floats); if it ever does, the tab says so instead of the YAML.
fn yaml_of(w: &Workload) -> String {
    serde_saphyr::to_string(w)
        .unwrap_or_else(|e| format!("# podwiz cannot show this object: {e}\n"))
}

/// A live object still to be fetched (the first frame does not wait for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetch {
    pub kind: WorkloadKind,
    pub name: String,
    /// `-n`: the object's namespace (default: the context's).
    pub namespace: Option<String>,
}

/// Where the manifest is.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// The live object is being fetched.
    Loading(Fetch),
    /// The live object could not be read (the one-line reason).
    Failed(String),
    Ready,
}

/// The Review of someone's manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestReview {
    /// `FILE` (`-` for standard input) or `TYPE/NAME` as typed.
    pub source: String,
    pub load: Load,
    /// `--policy-version` (for a live object without it, the server's version once read).
    pub policy_version: Option<PolicyVersion>,
    /// The version the objects were judged at.
    pub version: PolicyVersion,
    pub objects: Vec<ObjectView>,
    pub skipped: Vec<Skipped>,
    /// Unknown fields and similar, from the reader.
    pub warnings: Vec<String>,
    /// Index into `objects` of the object on screen.
    pub object: usize,
    pub tab: ReviewTab,
    /// Cursor line in the tab's document (scroll follows it).
    pub line: usize,
    pub scroll: usize,
}

impl ManifestReview {
    /// The Review of what was read from a file. Errors (one line) when it holds no pod template:
    /// the front door says so before the terminal changes.
    pub fn from_manifests(
        source: String,
        manifests: &Manifests,
        version: PolicyVersion,
    ) -> Result<ManifestReview, String> {
        let mut review = ManifestReview::empty(source, Load::Ready, Some(version));
        review.fill(manifests, version);
        if review.objects.is_empty() {
            return Err(review.no_template());
        }
        Ok(review)
    }

    /// The Review of a live object, before it is fetched.
    pub fn loading(
        source: String,
        fetch: Fetch,
        policy_version: Option<PolicyVersion>,
    ) -> ManifestReview {
        ManifestReview::empty(source, Load::Loading(fetch), policy_version)
    }

    fn empty(source: String, load: Load, policy_version: Option<PolicyVersion>) -> ManifestReview {
        ManifestReview {
            source,
            load,
            policy_version,
            version: policy_version.unwrap_or(PolicyVersion::Latest),
            objects: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            object: 0,
            tab: ReviewTab::Yours,
            line: 0,
            scroll: 0,
        }
    }

    fn no_template(&self) -> String {
        let skipped: Vec<String> = self
            .skipped
            .iter()
            .map(|s| {
                let what = if s.name.is_empty() {
                    s.kind.to_ascii_lowercase()
                } else {
                    format!("{}/{}", s.kind.to_ascii_lowercase(), s.name)
                };
                format!("{what}: {}", s.reason)
            })
            .collect();
        if skipped.is_empty() {
            format!("{}: no pod template in it", self.source)
        } else {
            format!(
                "{}: no pod template in it (skipped {})",
                self.source,
                skipped.join("; ")
            )
        }
    }

    fn fill(&mut self, manifests: &Manifests, version: PolicyVersion) {
        let report = workload::assess_manifests(manifests, version);
        self.version = version;
        self.objects = report
            .objects
            .into_iter()
            .map(|r| ObjectView::new(r, version))
            .collect();
        self.skipped = report.skipped;
        self.warnings = report.warnings;
        self.object = 0;
        self.line = 0;
        self.scroll = 0;
    }

    /// The live object arrived (its JSON, the server's policy version) or did not (the reason).
    /// Returns whether anything changed: an answer for a review that is not loading is ignored.
    pub fn fetched(&mut self, result: Result<(serde_json::Value, PolicyVersion), String>) -> bool {
        if !matches!(self.load, Load::Loading(_)) {
            return false;
        }
        let (value, server_version) = match result {
            Ok(answer) => answer,
            Err(why) => {
                self.load = Load::Failed(why);
                return true;
            }
        };
        match manifest::value_to_workload(value) {
            Ok((w, warnings)) => {
                let manifests = Manifests {
                    workloads: vec![w],
                    skipped: Vec::new(),
                    warnings,
                };
                self.fill(&manifests, self.policy_version.unwrap_or(server_version));
                self.load = if self.objects.is_empty() {
                    Load::Failed(self.no_template())
                } else {
                    Load::Ready
                };
            }
            Err(e) => self.load = Load::Failed(format!("{}: {e}", self.source)),
        }
        true
    }

    pub fn current(&self) -> Option<&ObjectView> {
        self.objects.get(self.object)
    }

    /// The document of the tab on screen (`None`: loading, failed, or no rewrite on a rewrite
    /// tab).
    pub fn doc(&self) -> Option<&Doc> {
        let o = self.current()?;
        match self.tab {
            ReviewTab::Yours => Some(&o.yours),
            ReviewTab::Rewrite => o.rewrite.as_ref().map(|r| &r.doc),
            ReviewTab::Diff => o.rewrite.as_ref().map(|r| &r.diff),
        }
    }

    /// What `c` copies: what the tab shows (their manifest, the rewrite, or the diff), with the
    /// words for the status line. `None` on a rewrite tab without a rewrite.
    pub fn copy_tab(&self) -> Option<(String, String)> {
        let o = self.current()?;
        let doc = self.doc()?;
        let what = match self.tab {
            ReviewTab::Yours => format!("your manifest ({})", o.report.reference),
            ReviewTab::Rewrite => format!("the safer rewrite of {}", o.report.reference),
            ReviewTab::Diff => format!("the diff of {} to its safer rewrite", o.report.reference),
        };
        Some((doc.yaml.clone(), what))
    }

    /// What `C` copies: every object of the input, rewritten where there is a safer way (what
    /// `podwiz explain -f FILE --suggest` prints), ready for `kubectl apply -f -`.
    pub fn copy_all(&self) -> (String, String) {
        let docs: Vec<String> = self
            .objects
            .iter()
            .map(|o| match &o.rewrite {
                Some(r) => r.doc.yaml.clone(),
                None => o.yours.yaml.clone(),
            })
            .collect();
        let n = docs.len();
        (
            docs.join("---\n"),
            format!(
                "the safer rewrite ({n} object{})",
                if n == 1 { "" } else { "s" }
            ),
        )
    }

    /// The default directory of `s`.
    pub fn save_dir(&self) -> String {
        let name = self
            .current()
            .map(|o| o.report.name.trim_end_matches('*').to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "manifest".into());
        format!("./podwiz-safer-{name}")
    }

    /// What `s` writes: per object `KIND-NAME.yaml` (the rewrite, or theirs unchanged when there
    /// is none) and `KIND-NAME.diff`, and a README.md with the changes and host steps.
    pub fn save_files(&self) -> Vec<OutFile> {
        let mut files = Vec::new();
        let mut readme = format!(
            "# The safer rewrite of {}\n\nWritten by podwiz (`podwiz -f FILE` or `podwiz TYPE/NAME`); Pod Security judged at policy version {}.\n",
            self.source, self.version
        );
        for o in &self.objects {
            let base = format!(
                "{}-{}",
                o.report.kind.as_str().to_ascii_lowercase(),
                o.report.name.trim_end_matches('*')
            );
            readme.push_str(&format!("\n## {}\n\n", o.report.reference));
            match &o.rewrite {
                Some(r) => {
                    let s = &r.suggestion;
                    files.push(OutFile {
                        path: format!("{base}.yaml"),
                        content: r.doc.yaml.clone(),
                        executable: false,
                    });
                    files.push(OutFile {
                        path: format!("{base}.diff"),
                        content: r.diff.yaml.clone(),
                        executable: false,
                    });
                    readme.push_str(&format!(
                        "Mode {}; Pod Security {} -> {}.\n\nWhat changes:\n\n",
                        s.mode,
                        s.level_before.as_str(),
                        s.level.as_str()
                    ));
                    for c in &s.changes {
                        readme.push_str(&format!("- {c}\n"));
                    }
                    if !s.host_steps.is_empty() {
                        readme
                            .push_str("\nHost steps (`podwiz generate` prints them in full):\n\n");
                        for step in &s.host_steps {
                            readme.push_str(&format!(
                                "- {} [{}]\n",
                                step.title,
                                step.node_scope.describe()
                            ));
                        }
                    }
                    readme.push_str(&format!("\nApply: `kubectl apply -f {base}.yaml`\n"));
                }
                None => {
                    files.push(OutFile {
                        path: format!("{base}.yaml"),
                        content: o.yours.yaml.clone(),
                        executable: false,
                    });
                    readme.push_str(&format!(
                        "{}\n\n`{base}.yaml` is the object as read, unchanged.\n",
                        workload::label("safer_none", &[])
                    ));
                }
            }
        }
        files.push(OutFile {
            path: "README.md".into(),
            content: readme,
            executable: false,
        });
        files
    }
}

/// The rewrite of `w` as an object podwiz's apply engine writes (Pod, Deployment, StatefulSet,
/// DaemonSet, Job, CronJob). Errors (one line) for the kinds it does not write.
pub fn object_of(w: Workload) -> Result<Object, String> {
    Ok(match w {
        Workload::Pod(o) => Object::Pod(o),
        Workload::Deployment(o) => Object::Deployment(o),
        Workload::StatefulSet(o) => Object::StatefulSet(o),
        Workload::DaemonSet(o) => Object::DaemonSet(o),
        Workload::Job(o) => Object::Job(o),
        Workload::CronJob(o) => Object::CronJob(o),
        other => {
            return Err(format!(
                "podwiz applies pods, deployments, statefulsets, daemonsets, jobs and cronjobs, not a {}; save (s) or copy (c) the rewrite and use kubectl apply",
                other.kind().as_str().to_ascii_lowercase()
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCC: &str = include_str!("../../tests/fixtures/manifests/openshift-podman-scc.yaml");

    fn review(yaml: &str) -> Result<ManifestReview, String> {
        let manifests = manifest::read_manifests(yaml.as_bytes()).map_err(|e| e.to_string())?;
        ManifestReview::from_manifests("pod.yaml".into(), &manifests, PolicyVersion::Latest)
    }

    #[test]
    fn the_scc_pod_gets_a_rewrite_without_sys_admin_and_a_diff() {
        let r = review(SCC).expect("reads");
        assert_eq!(r.objects.len(), 1);
        let o = &r.objects[0];
        assert!(o.yours.yaml.contains("SYS_ADMIN"));
        let rw = o.rewrite.as_ref().expect("a safer way");
        assert!(!rw.doc.yaml.contains("SYS_ADMIN"), "{}", rw.doc.yaml);
        assert!(
            rw.diff.yaml.contains("-        - SYS_ADMIN"),
            "{}",
            rw.diff.yaml
        );
        let after = rw.after.as_ref().expect("the rewrite is a pod template");
        assert_eq!(after.pss.level, rw.suggestion.level);
        // The gutter of theirs marks the SYS_ADMIN line with the finding on it.
        let line = o
            .yours
            .yaml
            .lines()
            .position(|l| l.trim() == "- SYS_ADMIN")
            .expect("SYS_ADMIN line");
        assert!(
            o.yours.risks[line]
                .iter()
                .any(|&i| o.report.findings[i].id.contains("sys-admin")
                    || o.report.findings[i].title.contains("SYS_ADMIN")),
            "{:?}",
            o.yours.risks[line]
        );
    }

    #[test]
    fn a_file_without_a_pod_template_is_refused_with_what_was_skipped() {
        let err = review("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n")
            .expect_err("no pod template");
        assert!(err.starts_with("pod.yaml: no pod template in it"), "{err}");
        assert!(err.contains("configmap/settings"), "{err}");
    }

    #[test]
    fn copy_and_save_follow_the_tab() {
        let mut r = review(SCC).expect("reads");
        let (text, what) = r.copy_tab().expect("yours");
        assert!(text.contains("SYS_ADMIN") && what.starts_with("your manifest"));
        r.tab = ReviewTab::Rewrite;
        let (text, what) = r.copy_tab().expect("rewrite");
        assert!(!text.contains("SYS_ADMIN") && what.starts_with("the safer rewrite"));
        r.tab = ReviewTab::Diff;
        let (text, _) = r.copy_tab().expect("diff");
        assert!(text.starts_with("--- a/pod/image-builder"), "{text}");
        let files = r.save_files();
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "pod-image-builder.yaml",
                "pod-image-builder.diff",
                "README.md"
            ]
        );
        assert_eq!(r.copy_all().0, files[0].content);
    }

    #[test]
    fn a_live_answer_fills_the_review_once() {
        let mut r = ManifestReview::loading(
            "pod/image-builder".into(),
            Fetch {
                kind: WorkloadKind::Pod,
                name: "image-builder".into(),
                namespace: None,
            },
            None,
        );
        assert!(r.current().is_none());
        let value: serde_json::Value =
            serde_saphyr::from_str(SCC).expect("the fixture is one YAML document");
        assert!(r.fetched(Ok((value.clone(), PolicyVersion::V(30)))));
        assert_eq!(r.load, Load::Ready);
        assert_eq!(r.version, PolicyVersion::V(30));
        assert_eq!(r.objects.len(), 1);
        // A second answer (or a late error) changes nothing.
        assert!(!r.fetched(Err("late".into())));
        assert_eq!(r.load, Load::Ready);

        let mut failed = ManifestReview::loading(
            "pod/x".into(),
            Fetch {
                kind: WorkloadKind::Pod,
                name: "x".into(),
                namespace: None,
            },
            Some(PolicyVersion::Latest),
        );
        assert!(failed.fetched(Err("pods \"x\" not found".into())));
        assert_eq!(failed.load, Load::Failed("pods \"x\" not found".into()));
    }

    #[test]
    fn only_kinds_the_engine_writes_are_applied() {
        let r = review(SCC).expect("reads");
        let object = object_of(r.objects[0].rewritten_or_theirs()).expect("a pod");
        assert_eq!(object.reference(), "pod/image-builder");
        let rs = review(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: r\nspec:\n  selector: {}\n  template:\n    spec:\n      containers:\n      - name: c\n        image: quay.io/podman/stable\n",
        )
        .expect("reads");
        let err = object_of(rs.objects[0].rewritten_or_theirs()).expect_err("not written");
        assert!(err.contains("not a replicaset"), "{err}");
    }
}
