//! The workload around the pod: a bare Pod, or a Job, Deployment, StatefulSet or CronJob whose
//! pod template is that pod. Everything podwiz judges (Pod Security, findings) is judged on the
//! pod ([`super::Bundle::pod`]); this module only wraps it, and unwraps a pod template back into
//! the Pod a controller would create from it.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::Object;
use super::options::{Kind, Resolved, Storage};

/// The label that ties a workload to its pods (its selector), the recommended common label.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

/// The pod template of a workload: the pod's labels and annotations (CRI-O reads its
/// annotations from the pod, so they belong to the template, not the workload) and its spec.
pub fn template_of(pod: &Pod, restart_policy: Option<&str>) -> PodTemplateSpec {
    let mut labels = pod.metadata.labels.clone().unwrap_or_default();
    labels.insert(NAME_LABEL.to_string(), name_of(pod).to_string());
    let mut spec = pod.spec.clone().unwrap_or_default();
    if let Some(policy) = restart_policy {
        spec.restart_policy = Some(policy.to_string());
    }
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            annotations: pod.metadata.annotations.clone(),
            ..ObjectMeta::default()
        }),
        spec: Some(spec),
    }
}

fn name_of(pod: &Pod) -> &str {
    pod.metadata.name.as_deref().unwrap_or_default()
}

/// The workload of `kind` that runs `pod`, named and namespaced like it. A Pod stays a Pod.
///
/// Choices where Kubernetes has no single right default (each says why):
/// - Job and CronJob: `restartPolicy: Never` and `backoffLimit: 0`: a failed build is reported
///   once instead of being re-run six times (a build may push images or tags).
/// - CronJob: `concurrencyPolicy: Forbid`: two runs must not share a storage directory.
/// - Deployment: one replica; `strategy: Recreate` when storage is a PVC or hostPath, so the old
///   pod lets go of the storage before the new one starts (a ReadWriteOnce claim cannot be
///   mounted twice, and two Podman processes must not share one store).
/// - StatefulSet: one replica and no headless Service (`serviceName` is optional; nothing
///   needs the pod's DNS name); the pod is `NAME-0`.
pub fn wrap(pod: &Pod, o: &Resolved) -> Object {
    let name = name_of(pod).to_string();
    let meta = ObjectMeta {
        name: Some(name.clone()),
        namespace: pod.metadata.namespace.clone(),
        labels: Some(BTreeMap::from([(NAME_LABEL.to_string(), name.clone())])),
        ..ObjectMeta::default()
    };
    let selector = LabelSelector {
        match_labels: Some(BTreeMap::from([(NAME_LABEL.to_string(), name.clone())])),
        match_expressions: None,
    };
    let job_spec = || JobSpec {
        backoff_limit: Some(0),
        template: template_of(pod, Some("Never")),
        ..JobSpec::default()
    };
    match o.kind {
        Kind::Pod => Object::Pod(pod.clone()),
        Kind::Job => Object::Job(Job {
            metadata: meta,
            spec: Some(job_spec()),
            status: None,
        }),
        Kind::CronJob => Object::CronJob(CronJob {
            metadata: meta,
            spec: CronJobSpec {
                schedule: o
                    .schedule
                    .clone()
                    .unwrap_or_else(|| super::options::DEFAULT_SCHEDULE.to_string()),
                concurrency_policy: Some("Forbid".into()),
                job_template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(job_spec()),
                },
                ..CronJobSpec::default()
            },
            status: None,
        }),
        Kind::Deployment => Object::Deployment(Deployment {
            metadata: meta,
            spec: DeploymentSpec {
                replicas: Some(1),
                selector,
                strategy: matches!(o.storage, Some(Storage::Pvc(_) | Storage::Hostpath(_))).then(
                    || DeploymentStrategy {
                        type_: Some("Recreate".into()),
                        rolling_update: None,
                    },
                ),
                template: template_of(pod, None),
                ..DeploymentSpec::default()
            },
            status: None,
        }),
        Kind::StatefulSet => Object::StatefulSet(StatefulSet {
            metadata: meta,
            spec: StatefulSetSpec {
                replicas: Some(1),
                selector,
                template: template_of(pod, None),
                ..StatefulSetSpec::default()
            },
            status: None,
        }),
    }
}

/// The pod template of an object: where the pod's metadata and spec sit in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Template<'a> {
    pub meta: Option<&'a ObjectMeta>,
    pub spec: Option<&'a PodSpec>,
    /// The field path of the template in the object, to prefix pod field paths with: `""` for a
    /// Pod, `spec.template.` for most workloads, `spec.jobTemplate.spec.template.` for a CronJob.
    pub prefix: &'static str,
}

/// The pod template of an object that has one (the pod itself for a Pod).
pub fn pod_template(object: &Object) -> Option<Template<'_>> {
    fn of<'t>(t: &'t PodTemplateSpec, prefix: &'static str) -> Template<'t> {
        Template {
            meta: t.metadata.as_ref(),
            spec: t.spec.as_ref(),
            prefix,
        }
    }
    match object {
        Object::Pod(p) => Some(Template {
            meta: Some(&p.metadata),
            spec: p.spec.as_ref(),
            prefix: "",
        }),
        Object::Job(j) => j.spec.as_ref().map(|s| of(&s.template, "spec.template.")),
        Object::CronJob(c) => c
            .spec
            .job_template
            .spec
            .as_ref()
            .map(|j| of(&j.template, "spec.jobTemplate.spec.template.")),
        Object::Deployment(d) => Some(of(&d.spec.template, "spec.template.")),
        Object::StatefulSet(s) => Some(of(&s.spec.template, "spec.template.")),
        Object::DaemonSet(d) => Some(of(&d.spec.template, "spec.template.")),
        Object::Namespace(_) | Object::ServiceAccount(_) | Object::RoleBinding(_) => None,
    }
}

/// The Pod a controller would create from `object`'s template: `generateName: NAME-`, the
/// template's labels and annotations, its spec, in the object's namespace. None for objects
/// without a pod template, and for a Pod (it is its own pod).
pub fn controller_pod(object: &Object) -> Option<Pod> {
    if matches!(object, Object::Pod(_)) {
        return None;
    }
    let template = pod_template(object)?;
    let meta = template.meta;
    Some(Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}-", object.name())),
            namespace: object.namespace().map(str::to_string),
            labels: meta.and_then(|m| m.labels.clone()),
            annotations: meta.and_then(|m| m.annotations.clone()),
            ..ObjectMeta::default()
        },
        spec: template.spec.cloned(),
        status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Mode, Options, build};

    fn bundle(kind: Kind) -> crate::scenario::Bundle {
        let options = Options {
            kind: Some(kind),
            namespace: Some("ci".into()),
            ..Options::default()
        };
        build(Mode::Userns, &options).expect("bundle")
    }

    #[test]
    fn every_kind_carries_the_pod_as_its_template() {
        for kind in [
            Kind::Job,
            Kind::Deployment,
            Kind::StatefulSet,
            Kind::CronJob,
        ] {
            let b = bundle(kind);
            let workload = b.workload();
            assert_eq!(workload.kind(), kind_name(kind));
            let template = pod_template(&workload).expect("template");
            let (meta, spec) = (template.meta, template.spec);
            let mut expected = b.pod.spec.clone().expect("spec");
            if matches!(kind, Kind::Job | Kind::CronJob) {
                expected.restart_policy = Some("Never".into());
            }
            assert_eq!(spec, Some(&expected), "{kind}");
            let meta = meta.expect("template metadata");
            assert_eq!(meta.annotations, b.pod.metadata.annotations, "{kind}");
            assert_eq!(
                meta.labels.as_ref().and_then(|l| l.get(NAME_LABEL)),
                b.pod.metadata.name.as_ref()
            );
            assert_eq!(workload.namespace(), Some("ci"));
            let pod = controller_pod(&workload).expect("controller pod");
            assert_eq!(pod.spec.as_ref(), Some(&expected));
            assert_eq!(
                pod.metadata.generate_name.as_deref(),
                Some("podman-userns-")
            );
        }
    }

    fn kind_name(kind: Kind) -> &'static str {
        match kind {
            Kind::Pod => "Pod",
            Kind::Job => "Job",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::CronJob => "CronJob",
        }
    }

    #[test]
    fn a_pod_stays_the_same_pod() {
        let b = bundle(Kind::Pod);
        assert_eq!(b.workload(), Object::Pod(b.pod.clone()));
        assert!(controller_pod(&b.workload()).is_none());
    }

    #[test]
    fn a_deployment_with_claimed_storage_is_recreated_not_rolled() {
        let options = Options {
            kind: Some(Kind::Deployment),
            storage: Some(Storage::Pvc("store".into())),
            ..Options::default()
        };
        let b = build(Mode::RootlessNoPriv, &options).expect("bundle");
        let Object::Deployment(d) = b.workload() else {
            panic!("not a deployment")
        };
        let strategy = d.spec.strategy.and_then(|s| s.type_);
        assert_eq!(strategy.as_deref(), Some("Recreate"));
    }
}
