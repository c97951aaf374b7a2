//! `podwiz troubleshoot [TEXT | -] [-o text|json]`: the causes of an error message, ranked,
//! with why the first one wins.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{TextOrJson, TroubleshootArgs};
use crate::cluster::{client, context, fetch};
use crate::commands::explain_manifest;
use crate::exit::{self, UsageError};
use crate::manifest;
use crate::security::assets::label;
use crate::security::compare::wrap;
use crate::security::troubleshoot::{Analysis, PodFacts, ReadLine, analyze};
use crate::security::{Diagnosis, explain_choice};

const WIDTH: usize = 100;

pub fn run(args: &TroubleshootArgs) -> anyhow::Result<ExitCode> {
    let text = match args.text.as_slice() {
        [] => return Err(UsageError(label("troubleshoot_empty").to_string()).into()),
        [dash] if dash == "-" => {
            let mut input = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut input)
                .context("cannot read standard input")?;
            input
        }
        words => words.join(" "),
    };
    if args.pod.as_deref() == Some("-") && args.text.as_slice() == ["-"] {
        return Err(UsageError(
            "standard input can hold the error or the --pod manifest, not both".into(),
        )
        .into());
    }
    let pod = match &args.pod {
        Some(pod) => Some(pod_evidence(args, pod)?),
        None => None,
    };
    let analysis = analyze(&text, pod.as_ref());
    let found = analysis.first().is_some();
    match args.output {
        TextOrJson::Json => {
            let json = serde_json::to_string_pretty(&json(&analysis))? + "\n";
            crate::exit::print(&json)?;
        }
        TextOrJson::Text if found => {
            crate::exit::print(&render_analysis(&analysis))?;
        }
        TextOrJson::Text => eprintln!("{}", label("troubleshoot_unknown")),
    }
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILURE)
    })
}

/// The facts of the pod given with `--pod`: a manifest file (read by the manifest reader) or a
/// live object of the current context. The first object with a pod template is used.
fn pod_evidence(args: &TroubleshootArgs, pod: &str) -> anyhow::Result<PodFacts> {
    let is_file = pod == "-" || Path::new(pod).exists();
    let workload = match explain_manifest::parse_object(pod) {
        Ok((kind, name)) if !is_file => {
            let (info, config) = context::load(&args.cluster, args.namespace.as_deref())?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let value = runtime.block_on(async {
                let conn = client::connect_with(info.clone(), config).await?;
                fetch::get_object(&conn, kind, &name, &info.namespace).await
            })?;
            manifest::value_to_workload(value)?.0
        }
        _ => {
            let path = Path::new(pod);
            let bytes = explain_manifest::read_input(path)?;
            let manifests = manifest::read_manifests(&bytes)
                .map_err(|e| UsageError(format!("--pod {pod}: {e}")))?;
            let count = manifests.workloads.len();
            let Some(first) = manifests.workloads.into_iter().next() else {
                return Err(UsageError(format!(
                    "--pod {pod}: no object with a pod template in it"
                ))
                .into());
            };
            if count > 1 {
                eprintln!(
                    "Warning: --pod {pod} holds {count} objects with a pod template; using the first, {}",
                    first.reference()
                );
            }
            first
        }
    };
    let Some((meta, spec)) = workload.template() else {
        return Err(UsageError(format!(
            "--pod {pod}: {} has no pod template",
            workload.reference()
        ))
        .into());
    };
    PodFacts::of(meta, spec, args.container.as_deref()).ok_or_else(|| {
        match &args.container {
            Some(name) => UsageError(format!(
                "--container {name}: {} has no container by that name",
                workload.reference()
            )),
            None => UsageError(format!(
                "--pod {pod}: {} has no container",
                workload.reference()
            )),
        }
        .into()
    })
}

/// The JSON document: `diagnosis` (the first cause, or null), `why` (why it wins), `causes`
/// (every cause that fits, ranked, with `score` and `reasons`), `ruled_out`, `lines` (the lines
/// read, with their operations, errno and mount flags) and `pod` (the pod's facts, or null).
pub fn json(a: &Analysis) -> serde_json::Value {
    serde_json::json!({
        "diagnosis": a.first().map(|c| &c.diagnosis),
        "why": a.why_first(),
        "causes": a.causes,
        "ruled_out": a.ruled_out,
        "lines": a.lines,
        "pod": a.pod,
    })
}

/// The diagnosis as text: error, cause, fix, what avoids it (with the choice's title), source.
pub fn render(d: &Diagnosis) -> String {
    let mut out = String::new();
    let field = |out: &mut String, key: &str, value: &str| {
        out.push_str(&wrap(&format!("{}: {value}", label(key)), WIDTH, "  "));
    };
    field(
        &mut out,
        "troubleshoot_error",
        &format!("{} [{}]", d.error, d.id),
    );
    field(&mut out, "troubleshoot_cause", &d.cause);
    field(&mut out, "troubleshoot_fix", &d.fix);
    if !d.avoided_by.is_empty() {
        out.push_str(&format!("{}:\n", label("troubleshoot_avoided_by")));
        for key in &d.avoided_by {
            let title = explain_choice(key).map(|e| e.title.as_str()).unwrap_or("");
            out.push_str(&wrap(&format!("  - {key}: {title}"), WIDTH, "    "));
        }
    }
    field(&mut out, "troubleshoot_source", &d.source);
    out
}

/// One line read: `line 3: mount, mount-bind; EACCES (Permission denied); flags 0x1000 = MS_BIND`.
fn describe_line(l: &ReadLine) -> String {
    let mut parts = vec![format!("line {}", l.line.number)];
    let mut what = Vec::new();
    if !l.parsed.operations.is_empty() {
        what.push(l.parsed.operations.join(", "));
    }
    if let Some(fs) = &l.parsed.filesystem {
        what.push(format!("filesystem {fs}"));
    }
    if let Some(flags) = &l.parsed.mount_flags {
        what.push(format!(
            "flags {:#x} = {}",
            flags.value,
            flags.names.join("|")
        ));
    }
    if let Some(e) = l.parsed.errno {
        what.push(format!("{} ({})", e.name, e.text));
    }
    if !what.is_empty() {
        parts.push(what.join("; "));
    }
    format!("{}: {}", parts.join(" "), l.line.message)
}

/// The first cause ([`render`]), then what was read, why it wins, the other causes that fit and
/// what was ruled out.
pub fn render_analysis(a: &Analysis) -> String {
    let Some(first) = a.first() else {
        return String::new();
    };
    let mut out = render(&first.diagnosis);
    let list = |out: &mut String, heading: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("{heading}:\n"));
        for item in items {
            out.push_str(&wrap(&format!("  - {item}"), WIDTH, "    "));
        }
    };
    let read: Vec<String> = a.lines.iter().map(describe_line).collect();
    list(&mut out, label("troubleshoot_read"), &read);
    if let Some(pod) = &a.pod {
        let mut facts = vec![format!("container {}", pod.container)];
        for name in PodFacts::NAMES {
            if pod.get(name) == Some(true) {
                facts.push(name.to_string());
            }
        }
        list(&mut out, label("troubleshoot_pod"), &[facts.join(", ")]);
    }
    list(&mut out, label("troubleshoot_why_first"), &a.why_first());
    if a.causes.len() > 1 {
        out.push_str(&format!("{}:\n", label("troubleshoot_others")));
        for (i, c) in a.causes.iter().enumerate().skip(1) {
            out.push_str(&wrap(
                &format!(
                    "  {}. {} (weight {}): {}",
                    i + 1,
                    c.diagnosis.id,
                    c.score,
                    c.diagnosis.cause
                ),
                WIDTH,
                "     ",
            ));
            for reason in &c.reasons {
                out.push_str(&wrap(&format!("     - {reason}"), WIDTH, "       "));
            }
        }
    }
    let ruled: Vec<String> = a
        .ruled_out
        .iter()
        .map(|r| format!("{}: {}", r.id, r.reason))
        .collect();
    list(&mut out, label("troubleshoot_ruled_out"), &ruled);
    out
}
