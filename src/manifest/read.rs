//! YAML or JSON bytes to pod templates, the way kubectl reads a file: multi-document YAML,
//! `kind: List` (and `PodList`, `DeploymentList` ...), comments, anchors and merge keys, YAML 1.1
//! scalars (`yes`, `on`) and JSON (one object, or several back to back).
//!
//! Decisions where the issue left room:
//! - Input is capped at [`MAX_INPUT_BYTES`] (16 MiB: the API server refuses requests over 3 MiB,
//!   so a bigger manifest file is not one kubectl could apply object by object anyway).
//! - YAML is parsed with serde-saphyr's budget: at most 64 levels of nesting, 250,000 nodes,
//!   1,024 documents, 100,000 events replayed from aliases (an alias bomb stops there).
//! - Values are decoded like kubectl's strict JSON decoding: `value: yes` in a string field is an
//!   error (kubectl says the same), `github.com/fuse: 1` is a quantity.
//! - A field the API does not know is a warning, as the API server's field validation warns;
//!   the rewrite drops it (say so to the user).
//! - A pod template kind that does not decode is an error naming the object and field (kubectl
//!   refuses the whole file too); a template without containers is skipped with that reason.

use serde_json::Value;

use super::workload::{Workload, WorkloadKind};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodTemplate, ReplicationController};

/// Largest input read, in bytes (16 MiB).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Deepest `List` inside a `List` followed.
const MAX_LIST_DEPTH: usize = 4;
/// Unknown-field warnings kept per input (the rest are counted).
const MAX_WARNINGS: usize = 20;

/// Everything read from one input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifests {
    /// Objects with a pod template, in input order.
    pub workloads: Vec<Workload>,
    /// Objects without a pod template (or without containers), with the reason.
    pub skipped: Vec<Skipped>,
    /// Unknown fields and similar: worth saying, not worth refusing.
    pub warnings: Vec<String>,
}

/// An object that was read but not explained.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub kind: String,
    pub name: String,
    pub reason: String,
}

/// Why an input could not be read. Every message is one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the input is {size} bytes; podwiz reads manifests up to {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("the input is binary data, not a YAML or JSON manifest")]
    Binary,
    #[error("the input is empty: no YAML or JSON document in it")]
    Empty,
    #[error("the input is not valid YAML or JSON: {0}")]
    Syntax(String),
    /// A budget of the YAML reader was exceeded (aliases, depth, nodes, documents).
    #[error(
        "the input exceeds podwiz's YAML limits (alias expansion, nesting depth 64, 250,000 nodes, 1,024 documents): {0}"
    )]
    Limit(String),
    #[error("the input is not a Kubernetes manifest: {0}")]
    NotKubernetes(String),
    #[error("{object} does not decode: {message}")]
    Decode { object: String, message: String },
}

/// Reads every document of `bytes` (YAML or JSON) and sorts its objects into pod templates and
/// skipped objects.
///
/// Errors: [`ReadError`], one line each; never panics, memory bounded by the input cap and the
/// YAML budget.
pub fn read_manifests(bytes: &[u8]) -> Result<Manifests, ReadError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge {
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    if bytes.contains(&0) {
        return Err(ReadError::Binary);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ReadError::Binary)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let documents = parse_documents(text)?;
    let mut out = Manifests::default();
    let mut not_kubernetes = Vec::new();
    let mut hidden_warnings = 0usize;
    for (index, doc) in documents.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        collect(
            doc,
            index + 1,
            0,
            &mut out,
            &mut not_kubernetes,
            &mut hidden_warnings,
        )?;
    }
    if out.workloads.is_empty() && out.skipped.is_empty() {
        return Err(match not_kubernetes.first() {
            Some(why) => ReadError::NotKubernetes(why.clone()),
            None => ReadError::Empty,
        });
    }
    for why in not_kubernetes {
        out.skipped.push(Skipped {
            kind: String::new(),
            name: String::new(),
            reason: why,
        });
    }
    if hidden_warnings > 0 {
        out.warnings
            .push(format!("... and {hidden_warnings} more unknown fields"));
    }
    Ok(out)
}

/// The documents of the input: JSON when it parses as JSON (one or more values back to back),
/// else YAML.
fn parse_documents(text: &str) -> Result<Vec<Value>, ReadError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let stream = serde_json::Deserializer::from_str(trimmed).into_iter::<Value>();
        if let Ok(values) = stream.collect::<Result<Vec<_>, _>>() {
            return Ok(values);
        }
        // Not JSON after all: flow-style YAML starts the same way.
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_INPUT_BYTES),
            max_depth: 64,
            max_nodes: 250_000,
            max_documents: 1_024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
        },
        // kubectl's YAML 1.1 reader: `defaultMode: 0644` is octal.
        legacy_octal_numbers: true,
    };
    serde_saphyr::from_str_multiple_with_options::<Value, Vec<Value>>(text, options).map_err(|e| {
        let message = one_line(&e.to_string());
        let message = message
            .strip_prefix("error: ")
            .unwrap_or(&message)
            .to_string();
        let lower = message.to_ascii_lowercase();
        if lower.contains("limit") || lower.contains("budget") || lower.contains("depth") {
            ReadError::Limit(message)
        } else {
            ReadError::Syntax(message)
        }
    })
}

/// Error texts of parsers can span lines (snippets); keep the first line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error")
        .to_string()
}

fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn meta_name(value: &Value) -> String {
    value
        .get("metadata")
        .and_then(|m| str_field(m, "name").or_else(|| str_field(m, "generateName")))
        .unwrap_or_default()
        .to_string()
}

fn collect(
    doc: Value,
    position: usize,
    depth: usize,
    out: &mut Manifests,
    not_kubernetes: &mut Vec<String>,
    hidden_warnings: &mut usize,
) -> Result<(), ReadError> {
    let (Some(kind), Some(_)) = (str_field(&doc, "kind"), str_field(&doc, "apiVersion")) else {
        let what = match &doc {
            Value::Object(_) => "a mapping without apiVersion and kind",
            Value::Array(_) => "a list",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "empty",
        };
        not_kubernetes.push(format!("document {position} is {what}"));
        return Ok(());
    };
    let kind = kind.to_string();
    if kind.ends_with("List")
        && let Some(Value::Array(_)) = doc.get("items")
    {
        if depth >= MAX_LIST_DEPTH {
            out.skipped.push(Skipped {
                kind,
                name: String::new(),
                reason: format!("lists nested deeper than {MAX_LIST_DEPTH} are not read"),
            });
            return Ok(());
        }
        let Value::Object(mut map) = doc else {
            return Ok(());
        };
        if let Some(Value::Array(items)) = map.remove("items") {
            for item in items {
                if item.is_null() {
                    continue;
                }
                collect(
                    item,
                    position,
                    depth + 1,
                    out,
                    not_kubernetes,
                    hidden_warnings,
                )?;
            }
        }
        return Ok(());
    }
    let name = meta_name(&doc);
    let Some(workload_kind) = WorkloadKind::from_kind(&kind) else {
        out.skipped.push(Skipped {
            reason: format!("a {kind} has no pod template"),
            kind,
            name,
        });
        return Ok(());
    };
    if let Some(reason) = missing_containers(&doc, workload_kind) {
        out.skipped.push(Skipped { kind, name, reason });
        return Ok(());
    }
    let (workload, warnings) = value_to_workload(doc)?;
    for warning in warnings {
        if out.warnings.len() < MAX_WARNINGS {
            out.warnings.push(warning);
        } else {
            *hidden_warnings += 1;
        }
    }
    out.workloads.push(workload);
    Ok(())
}

/// Why a pod template kind has nothing to explain, if so: no template, or no containers.
fn missing_containers(doc: &Value, kind: WorkloadKind) -> Option<String> {
    let mut node = doc;
    let path = kind.template_prefix();
    for key in path.split('.').filter(|k| !k.is_empty()) {
        match node.get(key) {
            Some(next) if !next.is_null() => node = next,
            _ => return Some(format!("it has no {}", path.trim_end_matches('.'))),
        }
    }
    match node.get("spec").and_then(|s| s.get("containers")) {
        Some(Value::Array(list)) if !list.is_empty() => None,
        _ => Some(format!(
            "it has no containers ({path}spec.containers is empty)"
        )),
    }
}

/// Decodes one object with a pod template kind into its typed form, and lists the fields the
/// API does not know (`unknown field "spec.containers[0].securityContex"`).
///
/// Used for files and for live objects alike. Errors: the object's `kind/name` and the field
/// path of the first value that does not fit (`spec.containers[0].env[1].value: invalid type:
/// boolean `true`, expected a string`), or `NotKubernetes` for another kind.
pub fn value_to_workload(doc: Value) -> Result<(Workload, Vec<String>), ReadError> {
    let kind = str_field(&doc, "kind").unwrap_or_default().to_string();
    let Some(workload_kind) = WorkloadKind::from_kind(&kind) else {
        return Err(ReadError::NotKubernetes(format!(
            "kind {kind:?} has no pod template"
        )));
    };
    let reference = format!("{}/{}", kind.to_ascii_lowercase(), meta_name(&doc));
    let decode_error = |e: serde_path_to_error::Error<serde_json::Error>| ReadError::Decode {
        object: reference.clone(),
        message: format!("{}: {}", e.path(), one_line(&e.inner().to_string())),
    };
    fn typed<T: serde::de::DeserializeOwned>(
        doc: &Value,
    ) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
        serde_path_to_error::deserialize(doc)
    }
    let workload = match workload_kind {
        WorkloadKind::Pod => Workload::Pod(typed::<Pod>(&doc).map_err(decode_error)?),
        WorkloadKind::Deployment => {
            Workload::Deployment(typed::<Deployment>(&doc).map_err(decode_error)?)
        }
        WorkloadKind::StatefulSet => {
            Workload::StatefulSet(typed::<StatefulSet>(&doc).map_err(decode_error)?)
        }
        WorkloadKind::DaemonSet => {
            Workload::DaemonSet(typed::<DaemonSet>(&doc).map_err(decode_error)?)
        }
        WorkloadKind::ReplicaSet => {
            Workload::ReplicaSet(typed::<ReplicaSet>(&doc).map_err(decode_error)?)
        }
        WorkloadKind::ReplicationController => Workload::ReplicationController(
            typed::<ReplicationController>(&doc).map_err(decode_error)?,
        ),
        WorkloadKind::Job => Workload::Job(typed::<Job>(&doc).map_err(decode_error)?),
        WorkloadKind::CronJob => Workload::CronJob(typed::<CronJob>(&doc).map_err(decode_error)?),
        WorkloadKind::PodTemplate => {
            Workload::PodTemplate(typed::<PodTemplate>(&doc).map_err(decode_error)?)
        }
    };
    let mut unknown = Vec::new();
    unknown_fields(&doc, &workload.to_value(), "", &mut unknown);
    let warnings = unknown
        .into_iter()
        .map(|path| format!("{reference}: unknown field \"{path}\" (ignored)"))
        .collect();
    Ok((workload, warnings))
}

/// Paths present (and not null) in `input` but absent from `decoded`: fields the typed object
/// dropped because the API does not have them.
fn unknown_fields(input: &Value, decoded: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() > MAX_WARNINGS {
        return;
    }
    match (input, decoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                if value.is_null() {
                    continue;
                }
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match b.get(key) {
                    Some(inner) => unknown_fields(value, inner, &here, out),
                    None => out.push(here),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                unknown_fields(x, y, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Manifests {
        match read_manifests(text.as_bytes()) {
            Ok(m) => m,
            Err(e) => panic!("{text}\n=> {e}"),
        }
    }

    #[test]
    fn multi_document_yaml_with_comments_anchors_and_yaml11_values() {
        let m = read(
            "# a comment\n\
             apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n\
             spec:\n  hostNetwork: yes # YAML 1.1\n  containers:\n  - &c {name: c, image: busybox}\n\
             ---\n---\n\
             apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {}\n\
             ---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n\
             spec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers:\n      - name: x\n        image: busybox\n        resources: {limits: {github.com/fuse: 1}}\n",
        );
        assert_eq!(m.workloads.len(), 2);
        assert_eq!(m.workloads[0].reference(), "pod/a");
        let (_, spec) = m.workloads[0].template().expect("pod spec");
        assert_eq!(spec.host_network, Some(true));
        assert_eq!(m.workloads[1].reference(), "deployment/d");
        let (_, spec) = m.workloads[1].template().expect("template");
        let limits = spec.containers[0]
            .resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .expect("limits");
        assert_eq!(limits["github.com/fuse"].0, "1");
        assert_eq!(
            m.skipped,
            vec![Skipped {
                kind: "Service".into(),
                name: "svc".into(),
                reason: "a Service has no pod template".into()
            }]
        );
    }

    #[test]
    fn lists_and_json_streams() {
        let list = r#"{"apiVersion":"v1","kind":"List","items":[
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},
             "spec":{"schedule":"@daily","jobTemplate":{"spec":{"template":{"spec":{
               "restartPolicy":"Never","containers":[{"name":"b","image":"quay.io/buildah/stable"}]}}}}}},
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}}]}
            {"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"t"},"template":{"spec":{"containers":[{"name":"c"}]}}}"#;
        let m = read(list);
        let refs: Vec<String> = m.workloads.iter().map(Workload::reference).collect();
        assert_eq!(refs, ["cronjob/nightly", "podtemplate/t"]);
        assert_eq!(m.skipped.len(), 1);
        assert_eq!(
            m.workloads[0].kind().template_prefix(),
            "spec.jobTemplate.spec.template."
        );
    }

    #[test]
    fn unknown_fields_warn_with_their_path() {
        let m = read(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    securityContex: {privileged: true}\n",
        );
        assert_eq!(
            m.warnings,
            ["pod/p: unknown field \"spec.containers[0].securityContex\" (ignored)"]
        );
    }

    #[test]
    fn bad_inputs_are_one_line_errors() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "empty"),
            (b"\x00\x01\x02", "binary"),
            (b"\xff\xfe\xfd", "binary"),
            (b"name: hello\nvalues: [1, 2]\n", "not a Kubernetes manifest"),
            (b"key: [unclosed\n", "not valid YAML"),
            (
                b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - {name: A, value: yes}\n",
                "pod/p does not decode: spec.containers[0].env[0].value",
            ),
        ];
        for (input, expected) in cases {
            let err = read_manifests(input).expect_err("must fail");
            let text = err.to_string();
            assert!(text.contains(expected), "{text:?} lacks {expected:?}");
            assert!(!text.contains('\n'), "{text:?} spans lines");
        }
    }

    #[test]
    fn no_containers_is_skipped_with_the_reason() {
        let m = read("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n");
        assert!(m.workloads.is_empty());
        assert_eq!(m.skipped[0].name, "p");
        assert!(m.skipped[0].reason.contains("no containers"));
        let m = read("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");
        assert!(
            m.skipped[0].reason.contains("no spec.template"),
            "{:?}",
            m.skipped
        );
    }

    #[test]
    fn size_cap_and_alias_bomb_are_bounded() {
        let big = vec![b' '; MAX_INPUT_BYTES + 1];
        assert!(matches!(
            read_manifests(&big),
            Err(ReadError::TooLarge { .. })
        ));
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = read_manifests(bomb.as_bytes()).expect_err("alias bomb must stop");
        assert!(matches!(err, ReadError::Limit(_)), "{err}");
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(read_manifests(deep.as_bytes()).is_err());
        let deep_block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(read_manifests(deep_block.as_bytes()).is_err());
    }
}
