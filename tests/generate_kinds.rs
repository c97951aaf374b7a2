//! `generate --kind`: the pod becomes a workload's template; Pod Security and findings are the
//! template's; golden snapshots of each kind.

use std::process::Command;

use podwiz::render;
use podwiz::scenario::workload::{NAME_LABEL, pod_template};
use podwiz::scenario::{self, Kind, Mode, Object, Options};
use podwiz::security;

fn options(kind: Kind) -> Options {
    Options {
        kind: Some(kind),
        namespace: Some("ci".into()),
        ..Options::default()
    }
}

const KINDS: [Kind; 4] = [
    Kind::Job,
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::CronJob,
];

#[test]
fn golden_yaml_of_every_kind() {
    for kind in KINDS {
        for mode in [Mode::Userns, Mode::RootlessNoPriv] {
            let bundle = scenario::build(mode, &options(kind)).expect("valid");
            let yaml = render::bundle_yaml(&bundle).expect("yaml");
            insta::assert_snapshot!(format!("{kind}_{mode}"), yaml);
        }
    }
}

#[test]
fn the_workload_is_last_and_carries_the_same_pod() {
    for kind in KINDS {
        for mode in Mode::ALL {
            let bundle = scenario::build(
                mode,
                &Options {
                    kind: Some(kind),
                    ..Options::default()
                },
            )
            .expect("valid");
            let objects = bundle.objects();
            let workload = objects.last().expect("objects");
            assert_eq!(
                workload.kind().to_ascii_lowercase(),
                kind.to_string().replace('-', "")
            );
            assert!(
                !objects.iter().any(|o| matches!(o, Object::Pod(_))),
                "{kind} {mode}: no bare Pod"
            );
            let template = pod_template(workload).expect("template");
            let mut spec = template.spec.cloned().expect("spec");
            spec.restart_policy = None;
            assert_eq!(Some(spec), bundle.pod.spec, "{kind} {mode}");
            let labels = template
                .meta
                .and_then(|m| m.labels.clone())
                .unwrap_or_default();
            assert_eq!(labels.get(NAME_LABEL), bundle.pod.metadata.name.as_ref());
            // CRI-O reads its annotations from the pod: they stay on the template.
            assert_eq!(
                template.meta.and_then(|m| m.annotations.clone()),
                bundle.pod.metadata.annotations
            );
        }
    }
}

#[test]
fn pod_security_and_findings_are_the_templates_with_the_workloads_field_paths() {
    for kind in KINDS {
        let pod = scenario::build(Mode::RootfulPriv, &Options::default()).expect("pod");
        let bundle = scenario::build(
            Mode::RootfulPriv,
            &Options {
                kind: Some(kind),
                ..Options::default()
            },
        )
        .expect("workload");
        let (as_pod, as_workload) = (security::assess(&pod), security::assess(&bundle));
        assert_eq!(as_pod.pss, as_workload.pss, "{kind}");
        assert_eq!(as_pod.findings.len(), as_workload.findings.len(), "{kind}");
        let workload = bundle.workload();
        let prefix = pod_template(&workload).expect("template").prefix;
        let privileged = as_workload
            .findings
            .iter()
            .find(|f| f.id == "privileged")
            .expect("privileged finding");
        assert_eq!(privileged.object, workload.reference());
        assert_eq!(
            privileged.field,
            format!("{prefix}spec.containers[0].securityContext.privileged")
        );
    }
}

#[test]
fn cli_kind_and_schedule_and_their_errors() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_podwiz"))
            .arg("generate")
            .args(args)
            .output()
            .expect("run podwiz")
    };
    let out = run(&["userns", "--kind", "cronjob", "--schedule", "*/15 * * * *"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(
        yaml.contains("kind: CronJob") && yaml.contains("schedule: '*/15 * * * *'")
            || yaml.contains("schedule: \"*/15 * * * *\""),
        "{yaml}"
    );
    for (args, needle) in [
        (
            &["userns", "--schedule", "0 3 * * *"][..],
            "only used with --kind cronjob",
        ),
        (
            &["userns", "--kind", "cronjob", "--schedule", "every day"][..],
            "five cron fields",
        ),
        (
            &["userns", "--kind", "job", "--name", "build.1"][..],
            "a job name must be a lowercase RFC 1123 label",
        ),
    ] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    }
    // An unknown kind: clap's usage error, naming the kinds there are.
    let out = run(&["userns", "--kind", "daemonset"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("possible values: pod, job, deployment, statefulset, cronjob"),
        "{stderr}"
    );
    let json = run(&["userns", "--kind", "job", "-o", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["options"]["kind"], "job", "{value}");
    let pod = run(&["userns", "-o", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&pod.stdout).expect("json");
    assert!(
        value["options"].get("kind").is_none(),
        "a pod's JSON is unchanged: {value}"
    );
}
