//! `troubleshoot::diagnose` on the known errors, as people paste them: prefixes, log noise, case.

use podwiz::security::diagnose;

/// (expected id, pasted text)
const CASES: &[(&str, &str)] = &[
    // What the runtimes printed on the test node (tests/node_matrix.rs, assets/runtime-matrix.json).
    (
        "netns-needs-net-admin",
        "Error: crun: ioctl(SIOCSIFFLAGS): Operation not permitted: OCI permission denied",
    ),
    (
        "keyring-denied",
        "Error: crun: create keyring `3f2a9c1e0b7d`: Operation not permitted: OCI permission denied",
    ),
    (
        "podman-socket-unreachable",
        "Error: unable to connect to Podman socket: Get \"http://d/v5.4.2/libpod/_ping\": dial unix /run/podman/podman.sock: connect: no such file or directory: unix:///run/podman/podman.sock",
    ),
    (
        "ping-group-range",
        "Error: OCI runtime error: crun: open `/proc/sys/net/ipv4/ping_group_range`: Read-only file system",
    ),
    (
        "newuidmap-failed",
        "Error: cannot set up namespace using \"/usr/bin/newuidmap\": fork/exec /usr/bin/newuidmap: operation not permitted",
    ),
    (
        "fuse-device-not-found",
        "fuse: device not found, try 'modprobe fuse' first",
    ),
    (
        "fuse-device-not-found",
        "Error: writing blob: mount /var/lib/containers/storage/overlay/l/ABC: fuse: device not found, try 'modprobe fuse' first\n  exit status 1",
    ),
    (
        "overlay-over-overlayfs",
        "'overlay' is not supported over overlayfs",
    ),
    (
        "overlay-over-overlayfs",
        "Error: kernel does not support overlay fs: 'overlay' is not supported over overlayfs, a mount_program is required: backing file system is unsupported for this graph driver",
    ),
    ("cannot-clone", "cannot clone: Operation not permitted"),
    (
        "cannot-clone",
        "time=\"2024-01-01T00:00:00Z\" level=error msg=\"cannot clone: Operation not permitted\"\nError: cannot re-exec process",
    ),
    ("cannot-clone", "ERRO[0000] cannot re-exec process"),
    (
        "newuidmap-failed",
        "newuidmap: write to uid_map failed: Operation not permitted",
    ),
    (
        "newuidmap-failed",
        "Error: cannot set up namespace using \"/usr/bin/newuidmap\": exit status 1: newuidmap: write to uid_map failed: Operation not permitted",
    ),
    (
        "insufficient-ids",
        "Error: writing blob: adding layer with blob \"sha256:abc\": processing tar file(potentially insufficient UIDs or GIDs available in user namespace (requested 0:42 for /etc/gshadow): Check /etc/subuid and /etc/subgid if configured locally and run \"podman system migrate\": lchown /etc/gshadow: invalid argument): exit status 1",
    ),
    (
        "mount-proc",
        "Error: crun: mount `proc` to `/proc`: Operation not permitted: OCI permission denied",
    ),
    (
        "mount-proc",
        "crun: mount proc to proc: Operation not permitted",
    ),
    (
        "ping-group-range",
        "Error: crun: open `/proc/sys/net/ipv4/ping_group_range`: Read-only file system: OCI runtime error",
    ),
    (
        "dev-net-tun",
        "Error: slirp4netns failed: \"open(\\\"/dev/net/tun\\\"): No such file or directory\"",
    ),
    (
        "dev-net-tun",
        "Error: pasta failed with exit code 1: Failed to open() /dev/net/tun: No such file or directory",
    ),
    (
        "selinux-mount-denied",
        "Error: mount /var/lib/containers/storage/overlay: overlay: permission denied",
    ),
    (
        "selinux-mount-denied",
        "level=error msg=\"mount  overlay  /var/lib/containers/storage/overlay/merged : Permission Denied\"",
    ),
    (
        "crio-userns-annotation-ignored",
        "Error: container create failed: open /proc/0/uid_map: no such file or directory",
    ),
    (
        "crio-userns-annotation-ignored",
        "the io.kubernetes.cri-o.userns-mode annotation is ignored",
    ),
    (
        "apparmor-userns-restricted",
        "uid_map: Operation not permitted",
    ),
    (
        "apparmor-userns-restricted",
        "kernel.apparmor_restrict_unprivileged_userns = 1",
    ),
    (
        "stale-mount-program",
        "podman keeps using fuse-overlayfs after a storage change",
    ),
    (
        "stale-mount-program",
        "rm /var/lib/containers/storage/overlay/.has-mount-program",
    ),
    (
        "runtime-default-profile",
        "Error: mount /var/lib/containers/storage/overlay:/var/lib/containers/storage/overlay, flags: 0x1000: permission denied",
    ),
    (
        "runtime-default-profile",
        "audit: type=1400 apparmor=\"DENIED\" operation=\"mount\" profile=\"cri-containerd.apparmor.d\"",
    ),
    (
        "mount-needs-sys-admin",
        "Error: mount tmpfs to /dev: Operation not permitted",
    ),
    (
        "mount-needs-sys-admin",
        "mount: /mnt: must be superuser to use mount.",
    ),
    (
        "cgroup-owned-by-userns-root",
        "Failed to create /init.scope control group: Permission denied",
    ),
    (
        "cgroup-owned-by-userns-root",
        "[!!!!!!] Failed to allocate manager object.",
    ),
    (
        "not-a-shared-mount",
        "WARN[0000] \"/\" is not a shared mount, this could cause issues or missing mounts with rootless containers",
    ),
];

#[test]
fn every_known_error_is_recognised_in_context() {
    let mut wrong = Vec::new();
    for (id, text) in CASES {
        let got = diagnose(text).map(|d| d.id);
        if got.as_deref() != Some(*id) {
            wrong.push(format!("{id}: got {got:?} for {text:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn all_twelve_errors_of_the_catalogue_are_covered_by_a_case() {
    for d in podwiz::security::troubleshoot::known() {
        assert!(
            CASES.iter().any(|(id, _)| *id == d.id),
            "no case for {}",
            d.id
        );
        // The catalogue's own wording matches itself.
        assert_eq!(
            diagnose(&d.error).map(|x| x.id),
            Some(d.id.clone()),
            "{}",
            d.error
        );
    }
}

#[test]
fn case_whitespace_and_prefixes_do_not_matter() {
    for text in [
        "FUSE:   DEVICE NOT FOUND,\n\ttry 'MODPROBE FUSE' first",
        "Error: fuse: device not found",
        "2026-01-01 12:00:00 pod/podman-priv Error: Error: fuse: device not found",
    ] {
        assert_eq!(
            diagnose(text).map(|d| d.id).as_deref(),
            Some("fuse-device-not-found"),
            "{text}"
        );
    }
}

#[test]
fn a_diagnosis_names_cause_fix_and_what_avoids_it() {
    let d = diagnose("'overlay' is not supported over overlayfs").expect("known");
    assert!(!d.cause.is_empty() && !d.fix.is_empty() && !d.source.is_empty());
    assert!(d.avoided_by.contains(&"storage.emptydir".to_string()));
    let d = diagnose("/proc/0/uid_map: no such file").expect("known");
    assert_eq!(d.avoided_by, ["userns.hostusers"]);
}

#[test]
fn unknown_text_is_not_guessed() {
    for text in [
        "",
        "   ",
        "hello world",
        "Error: image not known",
        "connection refused",
        "permission denied",
    ] {
        assert_eq!(diagnose(text), None, "{text:?}");
    }
}

// ---- the issue's three real messages (names changed), each in the context it was pasted in ----

use podwiz::security::troubleshoot::{PodFacts, analyze};

/// a. Rootful Podman without privilege on OpenShift.
const MESSAGE_A: &str = "$ podman run --rm quay.io/podman/hello\n\
Trying to pull quay.io/podman/hello:latest...\n\
Writing manifest to image destination\n\
Error: crun: mount `proc` to `/proc`: Permission denied: OCI permission denied\n";

/// b. Rootless Podman with debug logging; the debug lines mention a mount program and a failed
/// whiteout, the error is a bind mount.
const MESSAGE_B: &str = r#"time="2025-03-04T10:11:12Z" level=debug msg="overlay: mount_program=/usr/bin/fuse-overlayfs"
time="2025-03-04T10:11:12Z" level=debug msg="unable to create kernel-style whiteout: operation not permitted"
time="2025-03-04T10:11:12Z" level=info msg="podman filtering at log level debug"
Error: creating build container: unable to get storage: mount /home/ci/.local/share/containers/storage/overlay:/home/ci/.local/share/containers/storage/overlay, flags: 0x1000: permission denied
"#;

/// c. Rootless Podman (uid 1000) in a hostUsers: false pod, starting a systemd container.
const MESSAGE_C: &str = "systemd 256.7-1.fc41 running in system mode (+PAM +AUDIT +SELINUX)\n\
Detected virtualization podman.\n\
Detected architecture x86-64.\n\
Failed to create /init.scope control group: Permission denied\n\
Failed to allocate manager object: Permission denied\n\
[!!!!!!] Failed to allocate manager object.\n\
Exiting PID 1...\n";

fn first(text: &str, pod: Option<&PodFacts>) -> String {
    analyze(text, pod)
        .first()
        .map(|c| c.diagnosis.id.clone())
        .unwrap_or_default()
}

#[test]
fn message_a_eacces_mounting_proc_is_selinux_not_proc_masks() {
    let a = analyze(MESSAGE_A, None);
    let top = a.first().expect("a cause");
    assert_eq!(top.diagnosis.id, "selinux-mount-denied");
    assert!(
        top.diagnosis.fix.contains("container_engine_t"),
        "{}",
        top.diagnosis.fix
    );
    // Read only the error line, and read it right.
    assert_eq!(a.lines.len(), 1, "{:?}", a.lines);
    assert_eq!(a.lines[0].parsed.errno.map(|e| e.name), Some("EACCES"));
    assert!(a.lines[0].parsed.operations.contains(&"mount-proc"));
    // The /proc masks cause gives EPERM: ruled out, and said so.
    let masks = a
        .ruled_out
        .iter()
        .find(|r| r.id == "mount-proc")
        .expect("ruled out");
    assert!(
        masks.reason.contains("EACCES") && masks.reason.contains("EPERM"),
        "{}",
        masks.reason
    );
    // Why SELinux before AppArmor: the mount makes a new filesystem.
    let why = a.why_first().join(" ");
    assert!(
        why.contains("new filesystem") && why.contains("runtime-default-profile"),
        "{why}"
    );
}

#[test]
fn message_a_with_the_pod_as_evidence() {
    // The pod sets no SELinux type: stronger.
    let plain = facts(
        serde_json::json!({"containers": [{"name": "podman", "image": "quay.io/podman/stable",
        "securityContext": {"capabilities": {"add": ["SYS_ADMIN", "MKNOD", "SYS_CHROOT", "SETFCAP"]}}}]}),
    );
    let a = analyze(MESSAGE_A, Some(&plain));
    assert_eq!(
        a.first().map(|c| c.diagnosis.id.as_str()),
        Some("selinux-mount-denied")
    );
    assert!(
        a.why_first().iter().any(|w| w.contains("no SELinux type")),
        "{:?}",
        a.why_first()
    );
    // Already container_engine_t: SELinux is no longer the first cause.
    let engine = facts(
        serde_json::json!({"containers": [{"name": "podman", "image": "quay.io/podman/stable",
        "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]}),
    );
    assert_eq!(first(MESSAGE_A, Some(&engine)), "runtime-default-profile");
}

#[test]
fn message_b_bind_mount_eacces_is_the_default_apparmor_profile_not_a_stale_mount_program() {
    let a = analyze(MESSAGE_B, None);
    let top = a.first().expect("a cause");
    assert_eq!(top.diagnosis.id, "runtime-default-profile");
    assert!(
        top.diagnosis.fix.contains("Unconfined"),
        "{}",
        top.diagnosis.fix
    );
    assert!(
        top.diagnosis
            .avoided_by
            .contains(&"userns.hostusers".to_string())
    );
    // The debug lines were not read.
    assert_eq!(a.lines.len(), 1);
    assert_eq!(a.lines[0].line.number, 4);
    let flags = a.lines[0].parsed.mount_flags.clone().expect("flags");
    assert_eq!(
        (flags.value, flags.names),
        (0x1000, vec!["MS_BIND".to_string()])
    );
    assert!(
        a.causes
            .iter()
            .all(|c| c.diagnosis.id != "stale-mount-program")
    );
    assert!(
        a.why_first().iter().any(|w| w.contains("MS_BIND")),
        "{:?}",
        a.why_first()
    );
}

#[test]
fn message_b_with_the_pod_as_evidence() {
    let bare = facts(
        serde_json::json!({"containers": [{"name": "build", "image": "quay.io/buildah/stable",
        "securityContext": {"runAsUser": 1000}}]}),
    );
    let a = analyze(MESSAGE_B, Some(&bare));
    assert_eq!(
        a.first().map(|c| c.diagnosis.id.as_str()),
        Some("runtime-default-profile")
    );
    assert!(
        a.why_first()
            .iter()
            .any(|w| w.contains("no AppArmor and no seccomp profile"))
    );
    let unconfined = facts(
        serde_json::json!({"containers": [{"name": "build", "image": "quay.io/buildah/stable",
        "securityContext": {"appArmorProfile": {"type": "Unconfined"}, "seccompProfile": {"type": "Unconfined"}}}]}),
    );
    assert_ne!(
        first(MESSAGE_B, Some(&unconfined)),
        "runtime-default-profile"
    );
}

#[test]
fn message_c_systemd_cgroup_in_a_hostusers_false_pod_belongs_to_userns_root() {
    let a = analyze(MESSAGE_C, None);
    let top = a.first().expect("a cause");
    assert_eq!(top.diagnosis.id, "cgroup-owned-by-userns-root");
    assert_eq!(top.diagnosis.avoided_by, ["userns-shape.rootful"]);
    assert!(
        top.diagnosis.fix.contains("root inside the user namespace"),
        "{}",
        top.diagnosis.fix
    );
    let pod = facts(
        serde_json::json!({"hostUsers": false, "containers": [{"name": "podman",
        "image": "quay.io/podman/stable", "securityContext": {"runAsUser": 1000,
        "capabilities": {"add": ["SETUID", "SETGID"], "drop": ["ALL"]}, "procMount": "Unmasked"}}]}),
    );
    let with_pod = analyze(MESSAGE_C, Some(&pod));
    assert!(with_pod.first().expect("cause").score > top.score);
    assert!(
        with_pod
            .why_first()
            .iter()
            .any(|w| w.contains("root of the pod's user namespace"))
    );
}

fn facts(spec: serde_json::Value) -> PodFacts {
    let spec: k8s_openapi::api::core::v1::PodSpec = serde_json::from_value(spec).expect("pod spec");
    PodFacts::of(&Default::default(), &spec, None).expect("a container")
}

// ---- the whole kind of each fault ----

#[test]
fn eacces_on_any_mount_points_to_a_security_module_and_eperm_away_from_one() {
    for (line, want) in [
        (
            "Error: mount `sysfs` to `/sys`: Permission denied",
            "selinux-mount-denied",
        ),
        (
            "Error: mount tmpfs to /dev: permission denied",
            "selinux-mount-denied",
        ),
        (
            "Error: mount /var/lib/x:/var/lib/x, flags: 0x5000: permission denied",
            "runtime-default-profile",
        ),
        (
            "Error: mount tmpfs to /dev: Operation not permitted",
            "mount-needs-sys-admin",
        ),
        (
            "Error: crun: mount `proc` to `/proc`: Operation not permitted",
            "mount-proc",
        ),
        (
            "Error: mount /var/lib/x:/var/lib/x, flags: 0x1000: operation not permitted",
            "mount-needs-sys-admin",
        ),
    ] {
        assert_eq!(first(line, None), want, "{line}");
    }
    // With SYS_ADMIN in the pod, an EPERM mount is seccomp's, not a missing capability.
    let sys_admin = facts(
        serde_json::json!({"containers": [{"name": "podman", "image": "quay.io/podman/stable",
        "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}),
    );
    assert_eq!(
        first(
            "Error: mount tmpfs to /dev: Operation not permitted",
            Some(&sys_admin)
        ),
        "runtime-default-profile"
    );
}

#[test]
fn every_log_format_people_paste_reaches_the_same_cause() {
    // Harmless warnings are noise themselves: they are read only when nothing else is there.
    for entry in podwiz::security::assets::assets()
        .troubleshoot
        .iter()
        .filter(|t| !t.harmless)
    {
        let e = entry.error.replace('"', "'");
        for wrapped in [
            format!("Error: {e}"),
            format!(
                "time=\"2024-01-01T00:00:00Z\" level=error msg=\"{}\"",
                e.replace('\'', "\\\"")
            ),
            format!("ERRO[0002] {e}"),
            serde_json::json!({"level": "error", "msg": e}).to_string(),
            format!("2024-05-06T07:08:09.123456Z Error: {e}"),
            format!("12s   Warning   Failed   pod/ci-1   Error: {e}"),
            format!("E0506 07:08:09.123456    4242 kuberuntime_manager.go:1256] Error: {e}"),
        ] {
            let text = format!(
                "DEBU[0000] mount_program=/usr/bin/fuse-overlayfs, permission denied\n{wrapped}\nINFO[0002] cleaning up"
            );
            assert_eq!(first(&text, None), entry.id, "{text}");
        }
    }
}

mod noise {
    use super::first;
    use proptest::prelude::*;

    /// Words that appear in real errors, so the noise could mislead a reader of every line.
    const VOCABULARY: &[&str] = &[
        "mount",
        "proc",
        "overlay",
        "permission",
        "denied",
        "operation",
        "not",
        "permitted",
        "fuse",
        "device",
        "found",
        "cgroup",
        "newuidmap",
        "uid_map",
        "clone",
        "unshare",
        "storage",
        "tun",
        "read-only",
        "file",
        "system",
        "selinux",
        "apparmor",
        "seccomp",
        "mount_program",
        "layer",
        "pulling",
        "image",
        "quay.io/podman/stable",
        "/var/lib/containers",
        "0x1000",
        "flags:",
    ];

    fn noise_line() -> impl Strategy<Value = String> {
        let words = proptest::collection::vec(proptest::sample::select(VOCABULARY), 1..10)
            .prop_map(|w| w.join(" "));
        (0..7usize, words).prop_map(|(format, msg)| match format {
            0 => format!("time=\"2024-01-01T00:00:00Z\" level=debug msg=\"{msg}\""),
            1 => format!("time=\"2024-01-01T00:00:00Z\" level=warning msg=\"{msg}\""),
            2 => format!("DEBU[0000] {msg}"),
            3 => format!("INFO[0001] {msg}"),
            4 => format!("WARN[0001] {msg}"),
            5 => serde_json::json!({"level": "info", "msg": msg}).to_string(),
            _ => format!("5s   Normal   Pulled   pod/ci-1   {msg}"),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_noise_around_a_catalogue_error_keeps_its_first_cause(
            index in 0..64usize,
            before in proptest::collection::vec(noise_line(), 0..8),
            after in proptest::collection::vec(noise_line(), 0..8),
        ) {
            let known: Vec<_> = podwiz::security::assets::assets()
                .troubleshoot
                .iter()
                .filter(|t| !t.harmless)
                .collect();
            let entry = &known[index % known.len()];
            let alone = first(&format!("Error: {}", entry.error), None);
            prop_assert_eq!(&alone, &entry.id);
            let text = format!("{}\nError: {}\n{}", before.join("\n"), entry.error, after.join("\n"));
            prop_assert_eq!(first(&text, None), alone, "{}", text);
        }
    }
}
