//! Helpers shared by the scenario/CLI integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use podwiz::scenario::{Fuse, Mode, Options, Platform, Selinux, Storage, Userns, UsernsShape};

/// kubectl's YAML reader (apimachinery + sigs.k8s.io/yaml), built by scripts/build-control-plane.sh.
pub fn yaml2json_path() -> PathBuf {
    let cache = std::env::var_os("PODWIZ_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::home_dir()
                .unwrap_or_default()
                .join(".cache/podwiz-test")
        });
    let bin = std::env::var_os("PODWIZ_TEST_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache.join("current/bin"));
    let path = bin.join("yaml2json");
    assert!(
        path.is_file(),
        "{} is missing: run `bash scripts/build-control-plane.sh` (needs Go) to build kubectl's YAML reader",
        path.display()
    );
    path
}

/// Read a multi-document YAML stream the way kubectl does; one JSON value per document.
pub fn kubectl_read(yaml: &str) -> Vec<serde_json::Value> {
    let mut child = Command::new(yaml2json_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start yaml2json");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(yaml.as_bytes())
        .expect("write yaml");
    let out = child.wait_with_output().expect("yaml2json output");
    assert!(
        out.status.success(),
        "kubectl's reader rejected the YAML: {}\n{yaml}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("yaml2json prints JSON")
}

/// Every mode with its default options, the article's options, and each variant value that fits,
/// one at a time: (name for snapshots, mode, options).
pub fn variant_matrix() -> Vec<(String, Mode, Options)> {
    use podwiz::scenario::options::Applicable;
    let mut cases = Vec::new();
    for mode in Mode::ALL {
        let applicable = Applicable::for_mode(mode);
        let mut push = |label: &str, options: Options| {
            if podwiz::scenario::build(mode, &options).is_ok() {
                cases.push((format!("{}__{label}", mode.id()), mode, options));
            }
        };
        push("default", Options::default());
        push("article", Options::article(mode));
        push(
            "namespaced",
            Options {
                namespace: Some("podman-ci".into()),
                create_namespace: true,
                ..Options::default()
            },
        );
        push(
            "openshift",
            Options {
                namespace: Some("podman-ci".into()),
                platform: Some(Platform::Openshift),
                ..Options::default()
            },
        );
        if applicable.userns {
            for u in [Userns::Hostusers, Userns::CrioAnnotation] {
                push(
                    &format!("userns-{u}"),
                    Options {
                        userns: Some(u),
                        ..Options::default()
                    },
                );
            }
            for s in [UsernsShape::Rootful, UsernsShape::Rootless] {
                push(
                    &format!("userns-shape-{s}"),
                    Options {
                        userns_shape: Some(s),
                        ..Options::default()
                    },
                );
            }
        }
        if applicable.fuse {
            for f in [
                Fuse::DevicePlugin,
                Fuse::GenericDevicePlugin,
                Fuse::CrioDevices,
            ] {
                push(
                    &format!("fuse-{f}"),
                    Options {
                        fuse: Some(f),
                        ..Options::default()
                    },
                );
            }
        }
        if applicable.storage {
            for (label, s) in [
                ("emptydir", Storage::Emptydir),
                ("hostpath", Storage::Hostpath("/var/lib/podman-ci".into())),
                ("pvc", Storage::Pvc("podman-store".into())),
                ("none", Storage::None),
            ] {
                push(
                    &format!("storage-{label}"),
                    Options {
                        storage: Some(s),
                        ..Options::default()
                    },
                );
            }
        }
        if applicable.selinux {
            for s in [Selinux::EngineType, Selinux::HostDisabled, Selinux::None] {
                push(
                    &format!("selinux-{s}"),
                    Options {
                        selinux: Some(s),
                        ..Options::default()
                    },
                );
            }
        }
    }
    cases
}
