//! What a scenario produces: typed Kubernetes objects, the host changes they rely on, and what to
//! try once the pod runs.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::RoleBinding;
use serde::Serialize;

use super::{Mode, Resolved};

/// One Kubernetes object of a bundle.
// A bundle holds at most six objects, built once: boxing the big workload variants would buy
// nothing and cost a Box in every match on them.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    Namespace(Namespace),
    ServiceAccount(ServiceAccount),
    RoleBinding(RoleBinding),
    DaemonSet(DaemonSet),
    Pod(Pod),
    Job(Job),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    CronJob(CronJob),
}

impl Object {
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Namespace(_) => "Namespace",
            Object::ServiceAccount(_) => "ServiceAccount",
            Object::RoleBinding(_) => "RoleBinding",
            Object::DaemonSet(_) => "DaemonSet",
            Object::Pod(_) => "Pod",
            Object::Job(_) => "Job",
            Object::Deployment(_) => "Deployment",
            Object::StatefulSet(_) => "StatefulSet",
            Object::CronJob(_) => "CronJob",
        }
    }

    pub fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::RoleBinding(o) => &o.metadata,
            Object::DaemonSet(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::CronJob(o) => &o.metadata,
        }
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// `kind/name`, as kubectl prints it.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind().to_ascii_lowercase(), self.name())
    }

    /// The file this object is saved to by `--out-dir` and the wizard's save.
    pub fn file_name(&self) -> String {
        match self {
            Object::Namespace(_) => "namespace.yaml".into(),
            Object::ServiceAccount(_) => "serviceaccount.yaml".into(),
            Object::RoleBinding(_) => "rolebinding.yaml".into(),
            Object::DaemonSet(_) => format!("{}.yaml", self.name().trim_end_matches("-daemonset")),
            Object::Pod(_) => "pod.yaml".into(),
            Object::Job(_) => "job.yaml".into(),
            Object::Deployment(_) => "deployment.yaml".into(),
            Object::StatefulSet(_) => "statefulset.yaml".into(),
            Object::CronJob(_) => "cronjob.yaml".into(),
        }
    }

    /// The object that runs the pod: a Pod, or a workload with a pod template.
    pub fn is_workload(&self) -> bool {
        matches!(
            self,
            Object::Pod(_)
                | Object::Job(_)
                | Object::Deployment(_)
                | Object::StatefulSet(_)
                | Object::CronJob(_)
        )
    }
}

/// Which nodes a host step has to run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeScope {
    /// Every node the pod may be scheduled on.
    EveryNode,
    /// Only the node the pod ends up on (pin it with a nodeSelector).
    PodNode,
}

impl NodeScope {
    pub fn describe(self) -> &'static str {
        match self {
            NodeScope::EveryNode => "every node that may run the pod",
            NodeScope::PodNode => "the node that runs the pod (pin it with a nodeSelector)",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostFile {
    pub path: String,
    pub content: String,
    /// Append the content's lines that are missing instead of replacing the file (/etc/subuid).
    pub append: bool,
}

/// A change on the nodes that no manifest can make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostStep {
    pub title: String,
    pub why: String,
    pub node_scope: NodeScope,
    pub commands: Vec<String>,
    pub files: Vec<HostFile>,
}

/// A command to try once the pod runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageHint {
    pub title: String,
    pub command: String,
}

/// Everything one mode with its options produces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bundle {
    pub mode: Mode,
    pub options: Resolved,
    pub namespace: Option<Namespace>,
    pub service_account: Option<ServiceAccount>,
    pub role_binding: Option<RoleBinding>,
    pub fuse_plugin: Option<DaemonSet>,
    /// The pod: applied as is for `--kind pod`, else the pod template of the workload
    /// ([`Bundle::workload`]). Pod Security, findings and everything else podwiz judges are
    /// computed on it, whatever the kind.
    pub pod: Pod,
    pub host_steps: Vec<HostStep>,
    pub usage: Vec<UsageHint>,
}

impl Bundle {
    /// The object that runs the pod: the Pod itself, or the `--kind` workload with the pod as
    /// its template.
    pub fn workload(&self) -> Object {
        super::workload::wrap(&self.pod, &self.options)
    }

    /// The objects in the order they must be applied: the namespace first, the workload last.
    pub fn objects(&self) -> Vec<Object> {
        let mut objects = Vec::with_capacity(5);
        objects.extend(self.namespace.clone().map(Object::Namespace));
        objects.extend(self.service_account.clone().map(Object::ServiceAccount));
        objects.extend(self.role_binding.clone().map(Object::RoleBinding));
        objects.extend(self.fuse_plugin.clone().map(Object::DaemonSet));
        objects.push(self.workload());
        objects
    }
}
