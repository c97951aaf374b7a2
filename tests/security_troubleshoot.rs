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
