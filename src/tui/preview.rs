//! What the review shows, derived once when the choices change (never per frame): the bundle,
//! its security report, each document with its lexed lines and the findings pinned to them.

use std::ops::Range;

use crate::render;
use crate::scenario::Bundle;
use crate::security::pss::PolicyVersion;
use crate::security::{self, Finding, Report};

use super::yaml::{self, Token};

/// One tab of the review: a manifest, all of them, or the host steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub title: String,
    pub yaml: String,
    /// Per line: the indices in `Report::findings` it carries (empty: no risk).
    pub risks: Vec<Vec<usize>>,
    pub is_yaml: bool,
    /// Per line: its pieces as byte ranges of `yaml`, lexed once (plain text: one piece).
    pub lines: Vec<Vec<(Token, Range<usize>)>>,
}

impl Doc {
    /// A tab of `yaml` (plain text unless `is_yaml`); `risks[line]` are indices into the
    /// findings the gutter reads.
    pub fn new(title: String, yaml: String, risks: Vec<Vec<usize>>, is_yaml: bool) -> Doc {
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in yaml.split_inclusive('\n') {
            let text = line.strip_suffix('\n').unwrap_or(line);
            let text = text.strip_suffix('\r').unwrap_or(text);
            let base = offset;
            offset += line.len();
            if !is_yaml {
                lines.push(vec![(Token::Scalar, base..base + text.len())]);
                continue;
            }
            let mut pos = base;
            let pieces = yaml::lex_line(text)
                .into_iter()
                .map(|(token, piece)| {
                    let range = pos..pos + piece.len();
                    pos = range.end;
                    (token, range)
                })
                .collect();
            lines.push(pieces);
        }
        let mut risks = risks;
        risks.resize(lines.len(), Vec::new());
        Doc {
            title,
            yaml,
            risks,
            is_yaml,
            lines,
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Everything derived from the choices: recomputed when they change, never in the view.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub bundle: Bundle,
    /// Exactly what `podwiz generate` prints for the same choices.
    pub all_yaml: String,
    pub docs: Vec<Doc>,
    /// The security layer's report of the bundle.
    pub security: Report,
}

/// The lines of one object's YAML that carry each of its findings. A finding on a field that is
/// not written out (e.g. `runAsUser` unset) marks the nearest enclosing line instead.
pub fn risk_lines(body: &str, object_ref: &str, findings: &[Finding]) -> Vec<Vec<usize>> {
    let paths = yaml::line_paths(body);
    let mut risks = vec![Vec::new(); paths.len()];
    for (i, finding) in findings.iter().enumerate() {
        if finding.object != object_ref {
            continue;
        }
        let mut marked = false;
        for (line, path) in paths.iter().enumerate() {
            if yaml::path_covers(&finding.field, path) {
                risks[line].push(i);
                marked = true;
            }
        }
        if marked {
            continue;
        }
        // The deepest written ancestor of the field.
        let ancestor = paths
            .iter()
            .enumerate()
            .filter(|(_, p)| yaml::path_covers(p, &finding.field))
            .max_by_key(|(line, p)| (p.len(), usize::MAX - line));
        if let Some((line, _)) = ancestor {
            risks[line].push(i);
        }
    }
    risks
}

impl Preview {
    /// The preview with levels judged at the newest Pod Security policy.
    pub fn new(bundle: Bundle) -> Result<Preview, String> {
        Preview::at(bundle, PolicyVersion::Latest)
    }

    /// The preview with levels judged at Pod Security policy `version` (the Options row): the
    /// YAML header and the report say what `podwiz generate --policy-version` says.
    pub fn at(bundle: Bundle, version: PolicyVersion) -> Result<Preview, String> {
        let all_yaml = render::bundle_yaml_at(&bundle, version).map_err(|e| e.to_string())?;
        let security = security::assess_at(&bundle, version);
        let mut docs = Vec::new();
        // The "All" tab: each object's marks carried over to its place in the stream.
        let mut all_risks = vec![Vec::new(); all_yaml.lines().count()];
        let mut search_from = 0;
        for object in bundle.objects() {
            let body = render::object_yaml(&object).map_err(|e| e.to_string())?;
            let object_ref = format!("{}/{}", object.kind().to_ascii_lowercase(), object.name());
            let risks = risk_lines(&body, &object_ref, &security.findings);
            if let Some(found) = all_yaml
                .get(search_from..)
                .and_then(|rest| rest.find(body.as_str()))
            {
                let start = search_from + found;
                let first_line = all_yaml[..start].lines().count();
                for (i, r) in risks.iter().enumerate() {
                    if let Some(slot) = all_risks.get_mut(first_line + i) {
                        slot.extend_from_slice(r);
                    }
                }
                search_from = start + body.len();
            }
            docs.push(Doc::new(
                format!("{} {}", object.kind(), object.name()),
                body,
                risks,
                true,
            ));
        }
        docs.insert(0, Doc::new("All".into(), all_yaml.clone(), all_risks, true));
        let host = host_steps_text(&bundle);
        docs.push(Doc::new("Host steps".into(), host, Vec::new(), false));
        Ok(Preview {
            bundle,
            all_yaml,
            docs,
            security,
        })
    }
}

fn host_steps_text(bundle: &Bundle) -> String {
    if bundle.host_steps.is_empty() {
        return "No host steps: the manifests are all this mode needs.\n".into();
    }
    let mut s = String::new();
    for (i, step) in bundle.host_steps.iter().enumerate() {
        s.push_str(&format!("{}. {}\n", i + 1, step.title));
        s.push_str(&format!("   on: {}\n", step.node_scope.describe()));
        s.push_str(&format!("   why: {}\n", step.why));
        for c in &step.commands {
            s.push_str(&format!("   $ {c}\n"));
        }
        for f in &step.files {
            let verb = if f.append { "append to" } else { "write" };
            s.push_str(&format!("   {verb} {}:\n", f.path));
            for line in f.content.lines() {
                s.push_str(&format!("     | {line}\n"));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Mode, Options, build};

    fn preview(mode: Mode) -> Preview {
        let bundle = build(mode, &Options::default()).expect("default options build");
        Preview::new(bundle).expect("renders")
    }

    #[test]
    fn privileged_line_carries_the_critical_finding() {
        let p = preview(Mode::RootfulPriv);
        let pod = p
            .docs
            .iter()
            .find(|d| d.title.starts_with("Pod "))
            .expect("pod tab");
        let line = pod
            .yaml
            .lines()
            .position(|l| l.trim() == "privileged: true")
            .expect("privileged line");
        let finding = &p.security.findings[pod.risks[line][0]];
        assert_eq!(
            finding.field,
            "spec.containers[0].securityContext.privileged"
        );
        assert_eq!(finding.severity, security::Severity::Critical);
    }

    #[test]
    fn every_object_finding_is_marked_in_its_tab_and_in_all() {
        for mode in Mode::ALL {
            let p = preview(mode);
            for (i, f) in p.security.findings.iter().enumerate() {
                if f.object == "node" {
                    continue;
                }
                let all = &p.docs[0];
                assert!(
                    all.risks.iter().any(|r| r.contains(&i)),
                    "{mode}: {} {} not in All",
                    f.object,
                    f.field
                );
                assert!(
                    p.docs[1..]
                        .iter()
                        .any(|d| d.risks.iter().any(|r| r.contains(&i))),
                    "{mode}: {} {} not in its tab",
                    f.object,
                    f.field
                );
            }
        }
    }

    #[test]
    fn lexed_pieces_cover_each_line() {
        let p = preview(Mode::Remote);
        for doc in &p.docs {
            assert_eq!(doc.lines.len(), doc.yaml.lines().count(), "{}", doc.title);
            assert_eq!(doc.risks.len(), doc.lines.len());
            for (pieces, line) in doc.lines.iter().zip(doc.yaml.lines()) {
                let joined: String = pieces.iter().map(|(_, r)| &doc.yaml[r.clone()]).collect();
                assert_eq!(joined, line);
            }
        }
    }
}
