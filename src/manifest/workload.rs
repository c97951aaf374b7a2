//! An object that carries a pod template, typed, with where its template sits.

use std::fmt;
use std::sync::LazyLock;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    Pod, PodSpec, PodTemplate, PodTemplateSpec, ReplicationController,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// The kinds that carry a pod template, as `kind:` spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum WorkloadKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    PodTemplate,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 9] = [
        WorkloadKind::Pod,
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::ReplicaSet,
        WorkloadKind::ReplicationController,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
        WorkloadKind::PodTemplate,
    ];

    /// `kind:` as the API spells it, e.g. `StatefulSet`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::PodTemplate => "PodTemplate",
        }
    }

    /// The kind for a `kind:` value (exact, as the API server requires).
    pub fn from_kind(kind: &str) -> Option<WorkloadKind> {
        WorkloadKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The kind for a kubectl resource word: singular, plural or short name, any case
    /// (`po`, `pods`, `deploy`, `sts`, `ds`, `rs`, `rc`, `cj`, `jobs`, `podtemplate` ...), and the
    /// `TYPE.GROUP` form kubectl accepts (`deployments.apps`, `cronjobs.batch`).
    /// Source: `kubectl api-resources` (SHORTNAMES column).
    pub fn from_resource(word: &str) -> Option<WorkloadKind> {
        let word = word.to_ascii_lowercase();
        let (resource, group) = match word.split_once('.') {
            Some((r, g)) => (r, Some(g)),
            None => (word.as_str(), None),
        };
        let kind = match resource {
            "po" | "pod" | "pods" => WorkloadKind::Pod,
            "deploy" | "deployment" | "deployments" => WorkloadKind::Deployment,
            "sts" | "statefulset" | "statefulsets" => WorkloadKind::StatefulSet,
            "ds" | "daemonset" | "daemonsets" => WorkloadKind::DaemonSet,
            "rs" | "replicaset" | "replicasets" => WorkloadKind::ReplicaSet,
            "rc" | "replicationcontroller" | "replicationcontrollers" => {
                WorkloadKind::ReplicationController
            }
            "job" | "jobs" => WorkloadKind::Job,
            "cj" | "cronjob" | "cronjobs" => WorkloadKind::CronJob,
            "podtemplate" | "podtemplates" => WorkloadKind::PodTemplate,
            _ => return None,
        };
        match group {
            None => Some(kind),
            Some(g) if g == kind.group() || (g == "core" && kind.group().is_empty()) => Some(kind),
            Some(_) => None,
        }
    }

    /// The API group: `""` (core), `apps` or `batch`.
    pub fn group(self) -> &'static str {
        match self {
            WorkloadKind::Pod | WorkloadKind::ReplicationController | WorkloadKind::PodTemplate => {
                ""
            }
            WorkloadKind::Deployment
            | WorkloadKind::StatefulSet
            | WorkloadKind::DaemonSet
            | WorkloadKind::ReplicaSet => "apps",
            WorkloadKind::Job | WorkloadKind::CronJob => "batch",
        }
    }

    /// Path from the object to its pod template's `metadata`/`spec`, with a trailing dot (empty
    /// for a Pod): field paths of findings and violations start with it.
    pub fn template_prefix(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "",
            WorkloadKind::PodTemplate => "template.",
            WorkloadKind::CronJob => "spec.jobTemplate.spec.template.",
            _ => "spec.template.",
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object with a pod template, typed.
// A few per input, moved rarely: boxing the large variants would only add noise to every match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Workload {
    Pod(Pod),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    DaemonSet(DaemonSet),
    ReplicaSet(ReplicaSet),
    ReplicationController(ReplicationController),
    Job(Job),
    CronJob(CronJob),
    PodTemplate(PodTemplate),
}

static EMPTY_META: LazyLock<ObjectMeta> = LazyLock::new(ObjectMeta::default);

/// The pod template of a PodTemplateSpec, when it has a spec.
fn of_template(t: &PodTemplateSpec) -> Option<(&ObjectMeta, &PodSpec)> {
    let meta = t.metadata.as_ref().unwrap_or(&EMPTY_META);
    t.spec.as_ref().map(|spec| (meta, spec))
}

fn of_template_mut(t: &mut PodTemplateSpec) -> Option<(&mut ObjectMeta, &mut PodSpec)> {
    let spec = t.spec.as_mut()?;
    Some((t.metadata.get_or_insert_with(ObjectMeta::default), spec))
}

impl Workload {
    pub fn kind(&self) -> WorkloadKind {
        match self {
            Workload::Pod(_) => WorkloadKind::Pod,
            Workload::Deployment(_) => WorkloadKind::Deployment,
            Workload::StatefulSet(_) => WorkloadKind::StatefulSet,
            Workload::DaemonSet(_) => WorkloadKind::DaemonSet,
            Workload::ReplicaSet(_) => WorkloadKind::ReplicaSet,
            Workload::ReplicationController(_) => WorkloadKind::ReplicationController,
            Workload::Job(_) => WorkloadKind::Job,
            Workload::CronJob(_) => WorkloadKind::CronJob,
            Workload::PodTemplate(_) => WorkloadKind::PodTemplate,
        }
    }

    /// The object's own metadata (not its template's).
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Workload::Pod(o) => &o.metadata,
            Workload::Deployment(o) => &o.metadata,
            Workload::StatefulSet(o) => &o.metadata,
            Workload::DaemonSet(o) => &o.metadata,
            Workload::ReplicaSet(o) => &o.metadata,
            Workload::ReplicationController(o) => &o.metadata,
            Workload::Job(o) => &o.metadata,
            Workload::CronJob(o) => &o.metadata,
            Workload::PodTemplate(o) => &o.metadata,
        }
    }

    /// `metadata.name`, or `metadata.generateName` followed by `*`, or empty.
    pub fn name(&self) -> String {
        let meta = self.metadata();
        match (&meta.name, &meta.generate_name) {
            (Some(name), _) => name.clone(),
            (None, Some(prefix)) => format!("{prefix}*"),
            (None, None) => String::new(),
        }
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// `kind/name` as kubectl prints it, e.g. `deployment/ci-agent`.
    pub fn reference(&self) -> String {
        format!(
            "{}/{}",
            self.kind().as_str().to_ascii_lowercase(),
            self.name()
        )
    }

    /// The pod template's metadata and spec: the Pod itself for a Pod. `None` when the object
    /// has no spec or template.
    pub fn template(&self) -> Option<(&ObjectMeta, &PodSpec)> {
        match self {
            Workload::Pod(o) => o.spec.as_ref().map(|s| (&o.metadata, s)),
            Workload::Deployment(o) => of_template(&o.spec.template),
            Workload::StatefulSet(o) => of_template(&o.spec.template),
            Workload::DaemonSet(o) => of_template(&o.spec.template),
            Workload::ReplicaSet(o) => o.spec.template.as_ref().and_then(of_template),
            Workload::ReplicationController(o) => o
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .and_then(of_template),
            Workload::Job(o) => o.spec.as_ref().and_then(|s| of_template(&s.template)),
            Workload::CronJob(o) => o
                .spec
                .job_template
                .spec
                .as_ref()
                .and_then(|s| of_template(&s.template)),
            Workload::PodTemplate(o) => o.template.as_ref().and_then(of_template),
        }
    }

    /// Mutable access to the pod template (template metadata is created when absent).
    pub fn template_mut(&mut self) -> Option<(&mut ObjectMeta, &mut PodSpec)> {
        match self {
            Workload::Pod(o) => o.spec.as_mut().map(|s| (&mut o.metadata, s)),
            Workload::Deployment(o) => of_template_mut(&mut o.spec.template),
            Workload::StatefulSet(o) => of_template_mut(&mut o.spec.template),
            Workload::DaemonSet(o) => of_template_mut(&mut o.spec.template),
            Workload::ReplicaSet(o) => o.spec.template.as_mut().and_then(of_template_mut),
            Workload::ReplicationController(o) => o
                .spec
                .as_mut()
                .and_then(|s| s.template.as_mut())
                .and_then(of_template_mut),
            Workload::Job(o) => o
                .spec
                .as_mut()
                .and_then(|s| of_template_mut(&mut s.template)),
            Workload::CronJob(o) => o
                .spec
                .job_template
                .spec
                .as_mut()
                .and_then(|s| of_template_mut(&mut s.template)),
            Workload::PodTemplate(o) => o.template.as_mut().and_then(of_template_mut),
        }
    }

    /// The object without what the server fills in (status, uid, resourceVersion,
    /// creationTimestamp, generation, managedFields): what `kubectl apply` takes back. Objects
    /// read from files usually have none of these.
    pub fn without_server_fields(&self) -> Workload {
        let mut out = self.clone();
        let meta = match &mut out {
            Workload::Pod(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::Deployment(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::StatefulSet(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::DaemonSet(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::ReplicaSet(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::ReplicationController(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::Job(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::CronJob(o) => {
                o.status = None;
                &mut o.metadata
            }
            Workload::PodTemplate(o) => &mut o.metadata,
        };
        meta.managed_fields = None;
        meta.uid = None;
        meta.resource_version = None;
        meta.creation_timestamp = None;
        meta.generation = None;
        meta.self_link = None;
        out
    }

    /// The object as JSON, with `apiVersion` and `kind`, ready for kubectl.
    pub fn to_value(&self) -> serde_json::Value {
        // Serialising k8s-openapi types to a JSON value cannot fail: plain structs, string keys.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_words_name_kinds() {
        for (word, kind) in [
            ("po", WorkloadKind::Pod),
            ("Pods", WorkloadKind::Pod),
            ("deploy", WorkloadKind::Deployment),
            ("deployments.apps", WorkloadKind::Deployment),
            ("sts", WorkloadKind::StatefulSet),
            ("ds", WorkloadKind::DaemonSet),
            ("rs", WorkloadKind::ReplicaSet),
            ("rc", WorkloadKind::ReplicationController),
            ("job", WorkloadKind::Job),
            ("cronjobs.batch", WorkloadKind::CronJob),
            ("cj", WorkloadKind::CronJob),
            ("podtemplates", WorkloadKind::PodTemplate),
        ] {
            assert_eq!(WorkloadKind::from_resource(word), Some(kind), "{word}");
        }
        assert_eq!(WorkloadKind::from_resource("svc"), None);
        assert_eq!(WorkloadKind::from_resource("deployments.batch"), None);
    }
}
