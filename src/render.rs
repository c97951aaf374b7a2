//! Text forms of a bundle: multi-document YAML for kubectl, and JSON. Pure string building.

use serde::Serialize;

use crate::scenario::{Bundle, Object};
use crate::security::pss::PolicyVersion;
use crate::security::{self, Finding, Severity};

/// How many findings the YAML header and the JSON summary carry (the most severe first).
pub const TOP_FINDINGS: usize = 5;

/// The pod's most severe findings, high or worse, for headers and summaries (the cluster
/// add-on's are in [`top_addon_findings`]).
pub fn top_findings(report: &security::Report) -> Vec<&Finding> {
    report
        .pod_findings()
        .filter(|f| f.severity <= Severity::High)
        .take(TOP_FINDINGS)
        .collect()
}

/// The cluster add-on's most severe findings, high or worse.
pub fn top_addon_findings(report: &security::Report) -> Vec<&Finding> {
    report
        .addon_findings()
        .filter(|f| f.severity <= Severity::High)
        .take(TOP_FINDINGS)
        .collect()
}

/// YAML for one object, readable by kubectl's YAML 1.1 reader as is (serde-saphyr quotes `yes`,
/// `0644`, `1e3` and friends).
pub fn object_yaml(object: &Object) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(object)
}

/// All objects as one multi-document YAML stream, preceded by a comment block naming the mode,
/// its Pod Security level and the host steps it needs.
pub fn bundle_yaml(bundle: &Bundle) -> Result<String, serde_saphyr::SerializeError> {
    bundle_yaml_at(bundle, PolicyVersion::Latest)
}

/// [`bundle_yaml`] with the level judged at Pod Security policy `version`.
pub fn bundle_yaml_at(
    bundle: &Bundle,
    version: PolicyVersion,
) -> Result<String, serde_saphyr::SerializeError> {
    let mut out = header(bundle, version);
    for object in bundle.objects() {
        out.push_str("---\n");
        out.push_str(&object_yaml(&object)?);
    }
    Ok(out)
}

fn header(bundle: &Bundle, version: PolicyVersion) -> String {
    let mut lines = vec![format!(
        "podwiz generate {}: {}",
        bundle.mode,
        bundle.mode.summary()
    )];
    let report = security::assess_at(bundle, version);
    lines.push(format!(
        "Your pod: Pod Security level {} (policy {})",
        report.pss.level, report.pss.version
    ));
    let top = top_findings(&report);
    if !top.is_empty() {
        lines.push(format!(
            "  Top findings (all of them: `podwiz explain {}`):",
            bundle.mode
        ));
        for finding in top {
            lines.push(format!(
                "  [{}] {} ({}: {})",
                finding.severity.as_str(),
                finding.title,
                finding.object,
                finding.field
            ));
        }
    }
    if let Some(addon) = &report.addon {
        lines.push(format!(
            "Cluster add-on (installed once by an admin, not with every pod): {}, Pod Security level {}",
            addon.object, addon.level
        ));
        for finding in top_addon_findings(&report) {
            lines.push(format!(
                "  [{}] {} ({})",
                finding.severity.as_str(),
                finding.title,
                finding.field
            ));
        }
    }
    if bundle.host_steps.is_empty() {
        lines.push("Host steps: none".into());
    } else {
        lines.push(
            "Host steps (run on the nodes before applying; see `podwiz generate --out-dir`):"
                .into(),
        );
        for (i, step) in bundle.host_steps.iter().enumerate() {
            lines.push(format!(
                "  {}. {} [{}]",
                i + 1,
                step.title,
                step.node_scope.describe()
            ));
            for command in &step.commands {
                lines.push(format!("       {command}"));
            }
            for file in &step.files {
                let verb = if file.append { "append to" } else { "write" };
                lines.push(format!("       {verb} {}", file.path));
            }
        }
    }
    comment_block(&lines)
}

/// Turn lines into `# ` comments, keeping any embedded newline inside the comment.
pub fn comment_block(lines: &[String]) -> String {
    let mut out = String::new();
    for line in lines.iter().flat_map(|l| l.split('\n')) {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[derive(Serialize)]
struct BundleJson<'a> {
    mode: crate::scenario::Mode,
    options: &'a crate::scenario::Resolved,
    objects: Vec<Object>,
    host_steps: &'a [crate::scenario::HostStep],
    usage: &'a [crate::scenario::UsageHint],
    security: SecuritySummary<'a>,
}

#[derive(Serialize)]
struct SecuritySummary<'a> {
    /// The pod's level.
    level: security::pss::Level,
    version: String,
    /// The pod's findings.
    top_findings: Vec<&'a Finding>,
    /// The cluster add-on, installed once: `null` when the bundle needs none.
    addon: Option<AddonSummary<'a>>,
}

#[derive(Serialize)]
struct AddonSummary<'a> {
    object: &'a str,
    level: security::pss::Level,
    installed_once: bool,
    top_findings: Vec<&'a Finding>,
}

/// `{"mode", "options", "objects", "host_steps", "usage", "security": {"level", "version",
/// "top_findings", "addon": {"object", "level", "installed_once", "top_findings"} | null}}`.
pub fn bundle_json_value(bundle: &Bundle) -> Result<serde_json::Value, serde_json::Error> {
    bundle_json_value_at(bundle, PolicyVersion::Latest)
}

/// [`bundle_json_value`] with the level judged at Pod Security policy `version`.
pub fn bundle_json_value_at(
    bundle: &Bundle,
    version: PolicyVersion,
) -> Result<serde_json::Value, serde_json::Error> {
    let report = security::assess_at(bundle, version);
    let doc = BundleJson {
        mode: bundle.mode,
        options: &bundle.options,
        objects: bundle.objects(),
        host_steps: &bundle.host_steps,
        usage: &bundle.usage,
        security: SecuritySummary {
            level: report.pss.level,
            version: report.pss.version.to_string(),
            top_findings: top_findings(&report),
            addon: report.addon.as_ref().map(|addon| AddonSummary {
                object: &addon.object,
                level: addon.level,
                installed_once: true,
                top_findings: top_addon_findings(&report),
            }),
        },
    };
    serde_json::to_value(doc)
}

/// One file of a saved bundle, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    pub path: String,
    pub content: String,
    pub executable: bool,
}

/// Everything `--out-dir` (and the wizard's save) writes: one YAML per object, `host/` with the
/// node files and `prepare-node.sh`, and a README.md of the steps in order.
pub fn out_dir_files(bundle: &Bundle) -> Result<Vec<OutFile>, serde_saphyr::SerializeError> {
    let mut files = Vec::new();
    let objects = bundle.objects();
    for object in &objects {
        files.push(OutFile {
            path: object.file_name(),
            content: format!(
                "{}---\n{}",
                header_line(bundle, object),
                object_yaml(object)?
            ),
            executable: false,
        });
    }
    if !bundle.host_steps.is_empty() {
        for step in &bundle.host_steps {
            for file in &step.files {
                files.push(OutFile {
                    path: format!("host{}", file.path),
                    content: file.content.clone(),
                    executable: false,
                });
            }
        }
        files.push(OutFile {
            path: "host/prepare-node.sh".into(),
            content: prepare_node_script(bundle),
            executable: true,
        });
    }
    files.push(OutFile {
        path: "README.md".into(),
        content: readme(bundle, &objects),
        executable: false,
    });
    Ok(files)
}

fn header_line(bundle: &Bundle, object: &Object) -> String {
    comment_block(&[format!(
        "podwiz generate {}: {} {}",
        bundle.mode,
        object.kind(),
        object.name()
    )])
}

fn prepare_node_script(bundle: &Bundle) -> String {
    use crate::scenario::shell_quote;
    let mut s = String::from("#!/bin/sh\n# Prepares a node for podwiz mode ");
    s.push_str(bundle.mode.id());
    s.push_str(". Run as root on the nodes named in each step.\nset -eu\nhere=$(cd \"$(dirname \"$0\")\" && pwd)\n");
    for (i, step) in bundle.host_steps.iter().enumerate() {
        s.push_str(&format!(
            "\necho {}\n",
            shell_quote(&format!(
                "== {}. {} ({})",
                i + 1,
                step.title,
                step.node_scope.describe()
            ))
        ));
        for file in &step.files {
            let target = shell_quote(&file.path);
            if file.append {
                for line in file.content.lines().filter(|l| !l.is_empty()) {
                    let line = shell_quote(line);
                    s.push_str(&format!("grep -qxF {line} {target} 2>/dev/null || printf '%s\\n' {line} >> {target}\n"));
                }
            } else {
                s.push_str(&format!("install -D -m 0644 \"$here\"{target} {target}\n"));
            }
        }
        for command in &step.commands {
            s.push_str(command);
            s.push('\n');
        }
    }
    s
}

fn readme(bundle: &Bundle, objects: &[Object]) -> String {
    let mut s = format!("# podwiz: {}\n\n{}\n\n", bundle.mode, bundle.mode.summary());
    let mut n = 1;
    if !bundle.host_steps.is_empty() {
        s.push_str(&format!("{n}. Prepare the nodes: copy `host/` to each node named below and run `sh host/prepare-node.sh` as root.\n"));
        for step in &bundle.host_steps {
            s.push_str(&format!(
                "   - {} ({}): {}\n",
                step.title,
                step.node_scope.describe(),
                step.why
            ));
        }
        n += 1;
    }
    let files: Vec<String> = objects
        .iter()
        .map(|o| format!("-f {}", o.file_name()))
        .collect();
    s.push_str(&format!(
        "{n}. Apply the objects in this order: `kubectl apply {}`\n",
        files.join(" ")
    ));
    n += 1;
    s.push_str(&format!("{n}. Try it:\n"));
    for hint in &bundle.usage {
        s.push_str(&format!("   - {}: `{}`\n", hint.title, hint.command));
    }
    s
}
