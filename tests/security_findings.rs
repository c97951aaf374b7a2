//! Every finding, positive and negative, on hand-written pods (not only podwiz's own).

use k8s_openapi::api::core::v1::Pod;
use podwiz::scenario::{self, Fuse, Mode, Options, Selinux};
use podwiz::security::findings::{
    self, Finding, Severity, engine_socket, findings_for_pod_object, image_is_pinned,
};
use podwiz::security::report::bundle_findings;
use serde_json::{Value, json};

/// A pod from JSON: `spec` is merged into a minimal pinned, confined, non-root pod without an API
/// token, so a test only states what it is about.
fn pod(metadata: Value, spec: Value, container: Value) -> Pod {
    let mut c = json!({
        "name": "c",
        "image": "quay.io/podman/stable:v5.2.1",
        "securityContext": {
            "runAsUser": 1000,
            "allowPrivilegeEscalation": false,
            "seccompProfile": {"type": "RuntimeDefault"}
        }
    });
    merge(&mut c, container);
    let mut s = json!({"automountServiceAccountToken": false, "containers": [c]});
    merge(&mut s, spec);
    let mut m = json!({"name": "p"});
    merge(&mut m, metadata);
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": s}))
        .expect("valid pod")
}

fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(slot) if v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, p) => *b = p,
    }
}

fn container(c: Value) -> Vec<Finding> {
    findings_for_pod_object(&pod(json!({}), json!({}), c))
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id.as_str()).collect()
}

fn find<'a>(findings: &'a [Finding], id: &str) -> Option<&'a Finding> {
    findings.iter().find(|f| f.id == id)
}

#[test]
fn a_clean_pod_has_no_findings() {
    assert_eq!(ids(&container(json!({}))), Vec::<&str>::new());
}

#[test]
fn privileged() {
    let f = container(json!({"securityContext": {"privileged": true}}));
    let p = find(&f, "privileged").expect("privileged");
    assert_eq!(p.severity, Severity::Critical);
    assert_eq!(p.field, "spec.containers[0].securityContext.privileged");
    assert_eq!(p.object, "pod/p");
    assert!(!p.source.is_empty());
    assert!(
        find(
            &container(json!({"securityContext": {"privileged": false}})),
            "privileged"
        )
        .is_none()
    );
}

#[test]
fn sys_admin_with_and_without_cap_prefix_any_case() {
    for cap in ["SYS_ADMIN", "CAP_SYS_ADMIN", "cap_sys_admin", "sys_admin"] {
        let f = container(json!({"securityContext": {"capabilities": {"add": ["CHOWN", cap]}}}));
        let s = find(&f, "cap-sys-admin").unwrap_or_else(|| panic!("{cap}: {f:#?}"));
        assert_eq!(s.severity, Severity::High);
        assert_eq!(
            s.field,
            "spec.containers[0].securityContext.capabilities.add[1]"
        );
        assert!(s.detail.contains(cap), "{}", s.detail);
    }
    let f = container(
        json!({"securityContext": {"capabilities": {"add": ["CHOWN", "MKNOD", "SETFCAP", "SYS_CHROOT"]}}}),
    );
    assert!(ids(&f).iter().all(|id| !id.starts_with("cap-")), "{f:#?}");
}

#[test]
fn sys_admin_in_a_user_namespace_is_less_severe() {
    let p = pod(
        json!({}),
        json!({"hostUsers": false}),
        json!({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}),
    );
    let f = findings_for_pod_object(&p);
    assert!(find(&f, "cap-sys-admin").is_none());
    assert_eq!(
        find(&f, "cap-sys-admin-userns").map(|f| f.severity),
        Some(Severity::Medium)
    );
}

#[test]
fn capabilities_outside_baseline() {
    for cap in ["NET_ADMIN", "CAP_SYS_PTRACE", "net_raw"] {
        let f = container(json!({"securityContext": {"capabilities": {"add": [cap]}}}));
        assert!(find(&f, "cap-not-baseline").is_some(), "{cap}");
    }
    let f = container(json!({"securityContext": {"capabilities": {"add": ["ALL"]}}}));
    assert!(find(&f, "cap-all").is_some());
    for cap in findings::BASELINE_CAPABILITIES {
        let f = container(
            json!({"securityContext": {"capabilities": {"add": [format!("CAP_{cap}")]}}}),
        );
        assert!(find(&f, "cap-not-baseline").is_none(), "{cap}");
    }
}

#[test]
fn host_path_in_general() {
    let p = pod(
        json!({}),
        json!({"volumes": [{"name": "data", "hostPath": {"path": "/srv/data"}}]}),
        json!({}),
    );
    let f = findings_for_pod_object(&p);
    let h = find(&f, "host-path").expect("host-path");
    assert_eq!(h.field, "spec.volumes[0].hostPath.path");
    assert_eq!(h.severity, Severity::High);
    assert!(find(&f, "engine-socket").is_none());
    let p = pod(
        json!({}),
        json!({"volumes": [{"name": "e", "emptyDir": {}}]}),
        json!({}),
    );
    assert!(find(&findings_for_pod_object(&p), "host-path").is_none());
}

#[test]
fn every_engine_socket_is_critical() {
    let sockets = [
        ("/run/podman", "Podman"),
        ("/var/run/podman", "Podman"),
        ("/var/run/podman/", "Podman"),
        ("/run/podman/podman.sock", "Podman"),
        ("/run/user/1000/podman", "Podman"),
        ("/run/user/1000/podman/podman.sock", "Podman"),
        ("/var/run/docker.sock", "Docker"),
        ("/run/docker.sock", "Docker"),
        ("/run/containerd/containerd.sock", "containerd"),
        ("/run/containerd", "containerd"),
        ("/var/run/crio/crio.sock", "CRI-O"),
        ("/run/crio", "CRI-O"),
    ];
    for (path, engine) in sockets {
        assert_eq!(engine_socket(path), Some(engine), "{path}");
        let p = pod(
            json!({}),
            json!({"volumes": [{"name": "sock", "hostPath": {"path": path}}]}),
            json!({}),
        );
        let f = findings_for_pod_object(&p);
        let s = find(&f, "engine-socket").unwrap_or_else(|| panic!("{path}"));
        assert_eq!(s.severity, Severity::Critical);
        assert!(s.title.contains(engine), "{}", s.title);
        assert!(find(&f, "host-path").is_none(), "reported once: {path}");
    }
    // Directories that hold every socket.
    for path in ["/", "/run", "/var/run"] {
        assert!(engine_socket(path).is_some(), "{path}");
    }
    for path in [
        "/var/lib/containers",
        "/run/podman-data",
        "/home/podman/.local/share/containers",
        "/var/lib/kubelet/device-plugins",
        "/dev",
    ] {
        assert_eq!(engine_socket(path), None, "{path}");
    }
}

#[test]
fn host_namespaces() {
    let p = pod(
        json!({}),
        json!({"hostNetwork": true, "hostPID": true}),
        json!({}),
    );
    let f = findings_for_pod_object(&p);
    let fields: Vec<&str> = f
        .iter()
        .filter(|f| f.id == "host-namespace")
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["spec.hostNetwork", "spec.hostPID"]);
    let p = pod(json!({}), json!({"hostNetwork": false}), json!({}));
    assert!(find(&findings_for_pod_object(&p), "host-namespace").is_none());
}

#[test]
fn root_without_a_user_namespace() {
    // runAsUser 0, or unset (the image's user).
    let f = container(json!({"securityContext": {"runAsUser": 0}}));
    assert_eq!(
        find(&f, "run-as-root").map(|f| f.field.as_str()),
        Some("spec.containers[0].securityContext.runAsUser")
    );
    let unset = pod(
        json!({}),
        json!({"containers": [{"name": "c", "image": "x:1.2.3", "securityContext": {"allowPrivilegeEscalation": false, "seccompProfile": {"type": "RuntimeDefault"}}}]}),
        json!({}),
    );
    assert!(find(&findings_for_pod_object(&unset), "run-as-root").is_some());
    // The pod's runAsUser: 0 counts, and is the field named.
    let p = pod(
        json!({}),
        json!({"securityContext": {"runAsUser": 0}, "containers": [{"name": "c", "image": "x:1.2.3", "securityContext": {"allowPrivilegeEscalation": false, "seccompProfile": {"type": "RuntimeDefault"}}}]}),
        json!({}),
    );
    assert_eq!(
        find(&findings_for_pod_object(&p), "run-as-root").map(|f| f.field.as_str()),
        Some("spec.securityContext.runAsUser")
    );
    // Not root: uid 1000, or runAsNonRoot without a uid.
    assert!(find(&container(json!({})), "run-as-root").is_none());
    let non_root = pod(
        json!({}),
        json!({"containers": [{"name": "c", "image": "x:1.2.3", "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false, "seccompProfile": {"type": "RuntimeDefault"}}}]}),
        json!({}),
    );
    assert!(find(&findings_for_pod_object(&non_root), "run-as-root").is_none());
    // Root with a user namespace: hostUsers false, or the CRI-O annotation.
    let p = pod(
        json!({}),
        json!({"hostUsers": false}),
        json!({"securityContext": {"runAsUser": 0}}),
    );
    assert!(find(&findings_for_pod_object(&p), "run-as-root").is_none());
    let p = pod(
        json!({"annotations": {"io.kubernetes.cri-o.userns-mode": "auto"}}),
        json!({}),
        json!({"securityContext": {"runAsUser": 0}}),
    );
    assert!(find(&findings_for_pod_object(&p), "run-as-root").is_none());
    // hostUsers: true is no user namespace.
    let p = pod(
        json!({}),
        json!({"hostUsers": true}),
        json!({"securityContext": {"runAsUser": 0}}),
    );
    assert!(find(&findings_for_pod_object(&p), "run-as-root").is_some());
}

#[test]
fn allow_privilege_escalation_true_or_unset() {
    let f = container(json!({"securityContext": {"allowPrivilegeEscalation": true}}));
    assert_eq!(
        find(&f, "allow-privilege-escalation").map(|f| f.severity),
        Some(Severity::Medium)
    );
    let unset = pod(
        json!({}),
        json!({"containers": [{"name": "c", "image": "x:1.2.3", "securityContext": {"runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}}]}),
        json!({}),
    );
    let f = findings_for_pod_object(&unset);
    assert_eq!(
        find(&f, "allow-privilege-escalation-unset").map(|f| f.severity),
        Some(Severity::Low)
    );
    assert!(find(&container(json!({})), "allow-privilege-escalation").is_none());
    assert!(find(&container(json!({})), "allow-privilege-escalation-unset").is_none());
    // Implied by privileged and SYS_ADMIN: not reported separately.
    let f = container(
        json!({"securityContext": {"privileged": true, "allowPrivilegeEscalation": null}}),
    );
    assert!(
        !ids(&f).iter().any(|id| id.starts_with("allow-privilege")),
        "{f:#?}"
    );
}

#[test]
fn seccomp_unconfined_or_unset() {
    let f = container(json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}));
    assert_eq!(
        find(&f, "seccomp-unconfined").map(|f| f.field.as_str()),
        Some("spec.containers[0].securityContext.seccompProfile.type")
    );
    let p = pod(
        json!({}),
        json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "c", "image": "x:1.2.3", "securityContext": {"runAsUser": 1, "allowPrivilegeEscalation": false}}]}),
        json!({}),
    );
    assert_eq!(
        find(&findings_for_pod_object(&p), "seccomp-unconfined").map(|f| f.field.as_str()),
        Some("spec.securityContext.seccompProfile.type")
    );
    // The container's RuntimeDefault wins over the pod's Unconfined.
    let p = pod(
        json!({}),
        json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
        json!({}),
    );
    assert!(find(&findings_for_pod_object(&p), "seccomp-unconfined").is_none());
    let unset = pod(
        json!({}),
        json!({"containers": [{"name": "c", "image": "x:1.2.3", "securityContext": {"runAsUser": 1, "allowPrivilegeEscalation": false}}]}),
        json!({}),
    );
    assert!(find(&findings_for_pod_object(&unset), "seccomp-unset").is_some());
    assert!(find(&container(json!({})), "seccomp-unset").is_none());
}

#[test]
fn apparmor_unconfined_by_field_or_annotation() {
    let f = container(json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}));
    assert!(find(&f, "apparmor-unconfined").is_some());
    let p = pod(
        json!({}),
        json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}),
        json!({}),
    );
    assert!(find(&findings_for_pod_object(&p), "apparmor-unconfined").is_some());
    let p = pod(
        json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}}),
        json!({}),
        json!({}),
    );
    let f = findings_for_pod_object(&p);
    assert_eq!(
        find(&f, "apparmor-unconfined").map(|f| f.field.as_str()),
        Some("metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/c\"]")
    );
    let f = container(json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}));
    assert!(find(&f, "apparmor-unconfined").is_none());
}

#[test]
fn selinux_unconfined_type_and_engine_type() {
    let f = container(json!({"securityContext": {"seLinuxOptions": {"type": "spc_t"}}}));
    assert!(find(&f, "selinux-unconfined-type").is_some());
    let f =
        container(json!({"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}));
    assert!(find(&f, "selinux-unconfined-type").is_none());
}

#[test]
fn selinux_disabled_on_the_nodes_comes_from_the_bundle() {
    let article = scenario::build(Mode::Remote, &Options::article(Mode::Remote)).expect("valid");
    let f = bundle_findings(&article);
    let s = find(&f, "selinux-host-disabled").expect("host-disabled");
    assert_eq!(
        (s.object.as_str(), s.field.as_str()),
        ("node", "options.selinux")
    );
    let options = Options {
        selinux: Some(Selinux::EngineType),
        ..Options::default()
    };
    let engine = scenario::build(Mode::RootlessNoPriv, &options).expect("valid");
    assert!(find(&bundle_findings(&engine), "selinux-host-disabled").is_none());
}

#[test]
fn proc_mount_unmasked() {
    let f = container(json!({"securityContext": {"procMount": "Unmasked"}}));
    assert!(find(&f, "proc-mount-unmasked").is_some());
    let f = container(json!({"securityContext": {"procMount": "Default"}}));
    assert!(find(&f, "proc-mount-unmasked").is_none());
}

#[test]
fn legacy_crio_userns_annotation_and_user_namespace_info() {
    let p = pod(
        json!({"annotations": {"io.kubernetes.cri-o.userns-mode": "auto:size=65536"}}),
        json!({}),
        json!({}),
    );
    let f = findings_for_pod_object(&p);
    let a = find(&f, "crio-userns-annotation").expect("annotation");
    assert_eq!(
        a.field,
        "metadata.annotations[\"io.kubernetes.cri-o.userns-mode\"]"
    );
    assert!(find(&f, "user-namespace").is_none());
    let p = pod(json!({}), json!({"hostUsers": false}), json!({}));
    let f = findings_for_pod_object(&p);
    assert_eq!(
        find(&f, "user-namespace").map(|f| f.severity),
        Some(Severity::Info)
    );
    assert!(find(&f, "crio-userns-annotation").is_none());
}

#[test]
fn mutable_image_tags() {
    for image in [
        "quay.io/podman/stable",
        "quay.io/podman/stable:latest",
        "podman:stable",
        "x:v5",
        "x:5.2",
        "localhost:5000/podman",
        "registry:5000/podman:main",
    ] {
        assert!(!image_is_pinned(image), "{image}");
        let f = container(json!({"image": image}));
        assert_eq!(
            find(&f, "mutable-image-tag").map(|f| f.field.as_str()),
            Some("spec.containers[0].image"),
            "{image}"
        );
    }
    for image in [
        "quay.io/podman/stable:v5.2.1",
        "x:5.2.1",
        "quay.io/containers/podman:v5.2.1-immutable",
        "localhost:5000/podman:1.0.0",
        "x@sha256:0123456789abcdef",
        "x:latest@sha256:abc",
    ] {
        assert!(image_is_pinned(image), "{image}");
        assert!(
            find(&container(json!({"image": image})), "mutable-image-tag").is_none(),
            "{image}"
        );
    }
}

#[test]
fn init_and_ephemeral_containers_are_checked_too() {
    let p = pod(
        json!({}),
        json!({
            "initContainers": [{"name": "i", "image": "x:1.2.3", "securityContext": {"privileged": true}}],
            "ephemeralContainers": [{"name": "e", "image": "x:1.2.3", "securityContext": {"privileged": true}}]
        }),
        json!({}),
    );
    let fields: Vec<String> = findings_for_pod_object(&p)
        .into_iter()
        .filter(|f| f.id == "privileged")
        .map(|f| f.field)
        .collect();
    assert_eq!(
        fields,
        [
            "spec.ephemeralContainers[0].securityContext.privileged",
            "spec.initContainers[0].securityContext.privileged"
        ]
    );
}

#[test]
fn the_generic_device_plugin_daemonset_is_reported_as_itself() {
    let options = Options {
        fuse: Some(Fuse::GenericDevicePlugin),
        ..Options::default()
    };
    let bundle = scenario::build(Mode::RootlessNoPriv, &options).expect("valid");
    let f = bundle_findings(&bundle);
    let p = f
        .iter()
        .find(|f| f.id == "privileged")
        .expect("plugin is privileged");
    assert_eq!(p.object, "daemonset/generic-device-plugin");
    assert_eq!(
        p.field,
        "spec.template.spec.containers[0].securityContext.privileged"
    );
    assert!(
        f.iter()
            .any(|f| f.object == "daemonset/generic-device-plugin"
                && f.id == "host-path"
                && f.detail.contains("/dev"))
    );
    // The pod itself is not privileged.
    assert!(
        !f.iter()
            .any(|f| f.object.starts_with("pod/") && f.id == "privileged")
    );
    // The article's plugin: hostNetwork, no privilege.
    let article = scenario::build(
        Mode::RootlessNoPriv,
        &Options::article(Mode::RootlessNoPriv),
    )
    .expect("valid");
    let f = bundle_findings(&article);
    assert!(
        f.iter()
            .any(|f| f.object == "daemonset/fuse-device-plugin-daemonset"
                && f.id == "host-namespace"
                && f.field == "spec.template.spec.hostNetwork")
    );
    assert!(
        !f.iter()
            .any(|f| f.object.starts_with("daemonset/") && f.id == "privileged")
    );
}

#[test]
fn findings_sort_critical_first_then_by_field() {
    let bundle = scenario::build(Mode::Remote, &Options::article(Mode::Remote)).expect("valid");
    let f = bundle_findings(&bundle);
    assert_eq!(f.first().map(|f| f.id.as_str()), Some("engine-socket"));
    for pair in f.windows(2) {
        assert!(
            (pair[0].severity, &pair[0].field) <= (pair[1].severity, &pair[1].field),
            "{pair:#?}"
        );
    }
}

#[test]
fn severity_orders_and_serializes() {
    assert!(Severity::Critical < Severity::High && Severity::Low < Severity::Info);
    let mut all = Severity::ALL.to_vec();
    all.reverse();
    all.sort();
    assert_eq!(all, Severity::ALL);
    for s in Severity::ALL {
        assert_eq!(serde_json::to_value(s).expect("json"), json!(s.as_str()));
    }
    assert_eq!(Severity::Critical.as_str(), "critical");
}

#[test]
fn findings_never_panic_on_an_empty_pod() {
    let pod: Pod = serde_json::from_value(json!({"metadata": {}})).expect("pod");
    let _ = findings_for_pod_object(&pod);
    let pod: Pod = serde_json::from_value(json!({"metadata": {}, "spec": {"containers": [{"name": ""}] , "volumes": [{"name": "v", "hostPath": {"path": ""}}]}})).expect("pod");
    let f = findings_for_pod_object(&pod);
    assert!(
        f.iter().any(|f| f.id == "engine-socket"),
        "an empty hostPath is the node's root: {f:#?}"
    );
}

#[test]
fn podwiz_defaults_pass_its_own_image_check() {
    let variants = [
        None,
        Some(Fuse::GenericDevicePlugin),
        Some(Fuse::CrioDevices),
    ];
    for mode in Mode::ALL {
        for fuse in variants {
            let options = Options {
                fuse,
                ..Options::default()
            };
            let Ok(bundle) = scenario::build(mode, &options) else {
                continue;
            };
            let f = bundle_findings(&bundle);
            assert!(
                find(&f, "mutable-image-tag").is_none(),
                "{mode} {fuse:?}: {f:#?}"
            );
            assert!(image_is_pinned(&bundle.options.image), "{mode}");
        }
    }
    assert_eq!(
        scenario::options::DEFAULT_IMAGE,
        "quay.io/podman/stable:v5.8.4"
    );
    assert!(image_is_pinned(scenario::GENERIC_DEVICE_PLUGIN_IMAGE));
    assert!(
        scenario::GENERIC_DEVICE_PLUGIN_IMAGE.contains("@sha256:"),
        "pinned by digest"
    );
    // --image stays free, and podwiz says what it costs.
    let options = Options {
        image: Some("quay.io/podman/stable:latest".into()),
        ..Options::default()
    };
    let bundle = scenario::build(Mode::RootlessNoPriv, &options).expect("valid");
    assert!(find(&bundle_findings(&bundle), "mutable-image-tag").is_some());
}

#[test]
fn a_mutable_tag_finding_is_about_its_own_image() {
    // The article's plugin keeps its only published tag, v1.0: its finding must speak of that
    // image, not of quay.io/podman/stable.
    let bundle = scenario::build(
        Mode::RootlessNoPriv,
        &Options::article(Mode::RootlessNoPriv),
    )
    .expect("valid");
    let f = bundle_findings(&bundle);
    let plugin = f
        .iter()
        .find(|f| f.id == "mutable-image-tag" && f.object.starts_with("daemonset/"))
        .expect("the article's plugin tag v1.0 is not X.Y.Z");
    assert!(
        plugin.detail.contains("soolaugust/fuse-device-plugin:v1.0"),
        "{}",
        plugin.detail
    );
    assert!(
        !plugin.detail.contains("quay.io/podman"),
        "{}",
        plugin.detail
    );
    assert!(!plugin.detail.contains("{why}"), "{}", plugin.detail);
    let pod = f
        .iter()
        .find(|f| f.id == "mutable-image-tag" && f.object.starts_with("pod/"))
        .expect("the article's pod image is unpinned");
    assert!(
        pod.detail.contains("quay.io/podman/stable rebuilds"),
        "{}",
        pod.detail
    );
    // Every finding of every object names only that object's own images.
    for mode in Mode::ALL {
        let bundle = scenario::build(mode, &Options::article(mode)).expect("valid");
        for finding in bundle_findings(&bundle) {
            if finding.object.starts_with("daemonset/") {
                assert!(
                    !finding.detail.contains("quay.io/podman")
                        && !finding.title.contains("quay.io/podman"),
                    "{mode}: {finding:#?}"
                );
            }
        }
    }
}

#[test]
fn a_container_engine_pod_that_mounts_a_token_is_reported() {
    for (spec, value) in [
        (json!({"automountServiceAccountToken": null}), "not set"),
        (
            json!({"automountServiceAccountToken": true}),
            "automountServiceAccountToken: true",
        ),
    ] {
        let f = findings_for_pod_object(&pod(json!({}), spec, json!({})));
        let t = find(&f, "service-account-token").expect("podman image with a token");
        assert_eq!(t.severity, Severity::Medium);
        assert_eq!(t.field, "spec.automountServiceAccountToken");
        assert!(
            t.detail.contains("Podman") && t.detail.contains(value),
            "{}",
            t.detail
        );
    }
    // Not a container engine: no finding, token or not.
    let f = findings_for_pod_object(&pod(
        json!({}),
        json!({"automountServiceAccountToken": true}),
        json!({"image": "nginx:1.27.0"}),
    ));
    assert!(find(&f, "service-account-token").is_none(), "{f:#?}");
    // An engine socket makes it one, whatever the image.
    let f = findings_for_pod_object(&pod(
        json!({}),
        json!({"automountServiceAccountToken": null, "volumes": [{"name": "s", "hostPath": {"path": "/run/podman/podman.sock"}}]}),
        json!({"image": "registry.example/tools:1.0.0"}),
    ));
    assert!(find(&f, "service-account-token").is_some(), "{f:#?}");
    // podwiz's own pods leave the token out unless asked.
    for mode in Mode::ALL {
        let bundle = scenario::build(mode, &Options::default()).expect("valid");
        let spec = bundle.pod.spec.as_ref().expect("spec");
        assert_eq!(spec.automount_service_account_token, Some(false), "{mode}");
        assert!(find(&bundle_findings(&bundle), "service-account-token").is_none());
        let asked = Options {
            service_account_token: true,
            ..Options::default()
        };
        let bundle = scenario::build(mode, &asked).expect("valid");
        let spec = bundle.pod.spec.as_ref().expect("spec");
        assert_eq!(spec.automount_service_account_token, None, "{mode}");
        let f = bundle_findings(&bundle);
        let t = find(&f, "service-account-token").expect("asked for the token");
        let name = bundle.pod.metadata.name.as_deref().unwrap_or_default();
        assert_eq!(t.object, format!("pod/{name}"), "{mode}");
    }
}
