//! `podwiz explain -f FILE|-` and `podwiz explain TYPE/NAME [-n NS]`: the report of a manifest
//! someone already runs, its safer rewrite (`--suggest`) and the diff to it (`--diff`).
//!
//! This front door does the I/O: it reads the file or standard input (capped at
//! [`manifest::MAX_INPUT_BYTES`]) or fetches the live object; `manifest` parses, `security`
//! judges, `scenario::rewrite` rewrites.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{ExplainManifestArgs, ManifestSource, TextOrJson};
use crate::cluster::{client, context, fetch};
use crate::exit::UsageError;
use crate::manifest::{self, Manifests, Workload, WorkloadKind};
use crate::security::compare::wrap;
use crate::security::pss::PolicyVersion;
use crate::security::workload::{self, ManifestReport, WorkloadReport, label};

const WIDTH: usize = 100;

/// Where the manifest came from, for messages and hints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(String),
    Live(String),
}

pub fn run(args: &ExplainManifestArgs) -> anyhow::Result<ExitCode> {
    let (manifests, version, source) = load(&args.source)?;
    let report = workload::assess_manifests(&manifests, version);
    let mut err = std::io::stderr().lock();
    for warning in &report.warnings {
        writeln!(err, "Warning: {warning}")?;
    }
    let text = if args.suggest {
        suggest_output(&manifests, &report, args.output)?
    } else if args.diff {
        diff_output(&report)?
    } else {
        match args.output {
            TextOrJson::Json => serde_json::to_string_pretty(&report)? + "\n",
            TextOrJson::Text => text(&report, &source),
        }
    };
    if (args.suggest || args.diff) && report.objects.iter().all(|o| o.suggestion.is_none()) {
        writeln!(
            err,
            "podwiz: no safer rewrite: nothing here runs a container engine with more than it needs"
        )?;
    }
    crate::exit::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the input (file, stdin or live object) and picks the policy version.
pub fn load(args: &ManifestSource) -> anyhow::Result<(Manifests, PolicyVersion, Source)> {
    if let Some(path) = &args.filename {
        let bytes = read_input(path)?;
        let manifests = manifest::read_manifests(&bytes)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        let version = args.policy_version.unwrap_or(PolicyVersion::Latest);
        return Ok((manifests, version, Source::File(path.display().to_string())));
    }
    let object = args.object.as_deref().unwrap_or_default();
    let (kind, name) = parse_object(object)?;
    let (info, config) = context::load(&args.cluster, args.namespace.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (value, server_version) = runtime.block_on(async {
        // One wave: the object and the server's version at once, no probe request before.
        let conn = client::build(info.clone(), config)?;
        let (value, version) = futures::join!(
            fetch::get_object(&conn, kind, &name, &info.namespace),
            fetch::server_policy_version(&conn)
        );
        Ok::<_, crate::cluster::ClusterError>((value?, version?))
    })?;
    let (workload, warnings) = manifest::value_to_workload(value)?;
    let manifests = Manifests {
        workloads: vec![workload],
        skipped: Vec::new(),
        warnings,
    };
    let version = args.policy_version.unwrap_or(server_version);
    Ok((manifests, version, Source::Live(object.to_string())))
}

/// `deploy/ci` → (Deployment, "ci"). Errors name the accepted types.
pub fn parse_object(object: &str) -> Result<(WorkloadKind, String), UsageError> {
    let Some((word, name)) = object.split_once('/') else {
        return Err(UsageError(format!(
            "{object:?} is not TYPE/NAME (for example deploy/ci-agent)"
        )));
    };
    let kind = WorkloadKind::from_resource(word).ok_or_else(|| {
        UsageError(format!(
            "podwiz reads objects with a pod template, not {word:?}: use pod (po), deployment (deploy), statefulset (sts), daemonset (ds), replicaset (rs), replicationcontroller (rc), job, cronjob (cj) or podtemplate"
        ))
    })?;
    if name.is_empty() || name.contains('/') {
        return Err(UsageError(format!("{object:?} is not TYPE/NAME")));
    }
    Ok((kind, name.to_string()))
}

/// The bytes of `path` (`-`: standard input), refusing more than the reader's cap before
/// reading it all.
pub fn read_input(path: &Path) -> Result<Vec<u8>, UsageError> {
    let limit = manifest::MAX_INPUT_BYTES;
    let too_large = |size: String| {
        UsageError(format!(
            "{}: the input is {size} bytes; podwiz reads manifests up to {limit} bytes",
            path.display()
        ))
    };
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        if let Ok(meta) = file.metadata()
            && meta.len() > limit as u64
        {
            return Err(too_large(meta.len().to_string()));
        }
        file.take(limit as u64 + 1).read_to_end(&mut bytes)
    };
    result.map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() > limit {
        return Err(too_large(format!("more than {limit}")));
    }
    Ok(bytes)
}

fn yaml_of(workload: &Workload) -> anyhow::Result<String> {
    Ok(serde_saphyr::to_string(workload)?)
}

/// Every object of the input, rewritten where there is a safer way (YAML documents, or a JSON
/// `List`), ready for `kubectl apply -f -`.
fn suggest_output(
    manifests: &Manifests,
    report: &ManifestReport,
    output: TextOrJson,
) -> anyhow::Result<String> {
    let objects: Vec<Workload> = manifests
        .workloads
        .iter()
        .map(|w| {
            let reference = w.reference();
            report
                .objects
                .iter()
                .find(|o| o.reference == reference)
                .and_then(|o| o.suggestion.as_ref())
                .map(|s| s.workload.clone())
                .unwrap_or_else(|| w.without_server_fields())
        })
        .collect();
    match output {
        TextOrJson::Json => {
            let list = serde_json::json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": objects.iter().map(|w| w.to_value()).collect::<Vec<_>>(),
            });
            Ok(serde_json::to_string_pretty(&list)? + "\n")
        }
        TextOrJson::Text => {
            let docs = objects
                .iter()
                .map(yaml_of)
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(docs.join("---\n"))
        }
    }
}

/// A unified diff per rewritten object, from the object as read (normalised YAML: comments and
/// key order of the input are not kept) to its safer rewrite.
pub fn diff_output(report: &ManifestReport) -> anyhow::Result<String> {
    let mut out = String::new();
    for object in &report.objects {
        let Some(suggestion) = &object.suggestion else {
            continue;
        };
        out.push_str(&object_diff(object, suggestion)?);
    }
    Ok(out)
}

/// The unified diff of one object to its rewrite.
pub fn object_diff(
    object: &WorkloadReport,
    suggestion: &workload::Suggestion,
) -> anyhow::Result<String> {
    let original = yaml_of(&object.original)?;
    let rewritten = yaml_of(&suggestion.workload)?;
    Ok(similar::TextDiff::from_lines(&original, &rewritten)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{}", object.reference),
            &format!("b/{} ({})", object.reference, suggestion.mode),
        )
        .to_string())
}

fn bullet(out: &mut String, indent: &str, text: &str) {
    out.push_str(&wrap(
        &format!("{indent}- {text}"),
        WIDTH,
        &format!("{indent}  "),
    ));
}

/// The human-readable report of every object.
pub fn text(report: &ManifestReport, source: &Source) -> String {
    let mut out = String::new();
    for (i, object) in report.objects.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        object_text(&mut out, object, source);
    }
    if !report.skipped.is_empty() {
        if !report.objects.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{}\n", label("skipped_heading", &[])));
        for s in &report.skipped {
            let what = match (s.kind.is_empty(), s.name.is_empty()) {
                (true, _) => String::new(),
                (false, true) => format!("{}: ", s.kind.to_ascii_lowercase()),
                (false, false) => format!("{}/{}: ", s.kind.to_ascii_lowercase(), s.name),
            };
            bullet(&mut out, "  ", &format!("{what}{}", s.reason));
        }
    }
    out
}

fn object_text(out: &mut String, o: &WorkloadReport, source: &Source) {
    out.push_str(&o.reference);
    if let Some(ns) = &o.namespace {
        out.push_str(&format!(" ({})", label("namespace", &[("value", ns)])));
    }
    out.push('\n');
    out.push_str(&format!(
        "  {}\n",
        label(
            "pss_line",
            &[
                ("level", o.pss.level.as_str()),
                ("version", &o.pss.version.to_string())
            ]
        )
    ));
    for (heading, violations) in [
        ("pss_baseline_heading", &o.pss.violations.baseline),
        ("pss_restricted_heading", &o.pss.violations.restricted),
    ] {
        if !violations.is_empty() {
            out.push_str(&format!(
                "    {}\n",
                crate::security::assets::label(heading)
            ));
            for v in violations {
                bullet(out, "    ", v);
            }
        }
    }
    let engine = o
        .containers
        .iter()
        .find(|c| c.mode.is_some() && !c.init)
        .or_else(|| o.containers.iter().find(|c| c.mode.is_some()));
    match (o.mode.id, engine) {
        (Some(mode), Some(c)) => {
            out.push_str(&format!(
                "  {}\n",
                label(
                    "closest_line",
                    &[("mode", mode.id()), ("container", &c.name)]
                )
            ));
            if !o.mode.differences.is_empty() {
                out.push_str(&format!(
                    "    {}\n",
                    label("differences_heading", &[("mode", mode.id())])
                ));
                for d in &o.mode.differences {
                    bullet(out, "    ", d);
                }
            }
        }
        _ => out.push_str(&format!("  {}\n", label("closest_none", &[]))),
    }

    out.push_str(&format!("  {}\n", label("containers_heading", &[])));
    let mut groups: Vec<(Option<&str>, String)> = o
        .containers
        .iter()
        .map(|c| {
            let image = c.image.clone().unwrap_or_else(|| label("no_image", &[]));
            let mode = c
                .mode
                .map(|m| m.id().to_string())
                .unwrap_or_else(|| label("container_no_mode", &[]));
            (
                Some(c.name.as_str()),
                label(
                    "container_line",
                    &[("container", &c.name), ("image", &image), ("mode", &mode)],
                ),
            )
        })
        .collect();
    groups.push((None, label("pod_findings", &[])));
    for (container, heading) in groups {
        let findings: Vec<_> = o
            .findings
            .iter()
            .zip(&o.finding_containers)
            .filter(|(_, c)| c.as_deref() == container)
            .map(|(f, _)| f)
            .collect();
        if container.is_none() && findings.is_empty() {
            continue;
        }
        out.push_str(&format!("    {heading}\n"));
        if findings.is_empty() {
            out.push_str(&format!("      {}\n", label("container_no_findings", &[])));
        }
        for f in findings {
            out.push_str(&format!(
                "      [{} {}] {}\n",
                f.severity.symbol(),
                f.severity.as_str().to_uppercase(),
                f.title
            ));
            out.push_str(&format!("          {}\n", f.field));
            out.push_str(&wrap(
                &format!("          {}", f.detail),
                WIDTH,
                "          ",
            ));
        }
    }

    match &o.suggestion {
        None => out.push_str(&format!("  {}\n", label("safer_none", &[]))),
        Some(s) => {
            out.push_str(&format!(
                "  {}\n",
                match s.userns_shape {
                    Some(shape) => label(
                        "safer_heading_shape",
                        &[("mode", s.mode.id()), ("shape", shape.as_str())]
                    ),
                    None => label("safer_heading", &[("mode", s.mode.id())]),
                }
            ));
            out.push_str(&format!(
                "    {}\n",
                label(
                    "safer_level",
                    &[
                        ("before", s.level_before.as_str()),
                        ("after", s.level.as_str())
                    ]
                )
            ));
            out.push_str(&format!("    {}\n", label("safer_changes", &[])));
            for change in &s.changes {
                bullet(out, "    ", change);
            }
            if !s.host_steps.is_empty() {
                out.push_str(&format!("    {}\n", label("safer_host", &[])));
                for step in &s.host_steps {
                    bullet(
                        out,
                        "    ",
                        &format!("{} [{}]", step.title, step.node_scope.describe()),
                    );
                }
            }
            let file = match source {
                Source::File(f) => f.clone(),
                Source::Live(_) => "FILE".to_string(),
            };
            out.push_str(&wrap(
                &format!("    {}", label("safer_hint", &[("file", &file)])),
                WIDTH,
                "    ",
            ));
        }
    }
}
