//! The explanation panel's texts, by key ("mode.<id>", "fuse.<word>", ...). Keys follow
//! `security::explain_choice`; the wizard's own steps (start, runs.*, field.*) are here.

pub struct Explanation {
    pub title: &'static str,
    pub text: &'static str,
}

const fn e(title: &'static str, text: &'static str) -> Explanation {
    Explanation { title, text }
}

pub fn explain(key: &str) -> Explanation {
    match key {
        "start" => e(
            "What podwiz does",
            "podwiz writes the manifests (and the node steps) to run Podman inside a Kubernetes or OpenShift pod, in one of six ways, and says what each way costs in security. Walk the choices; the YAML, the Pod Security level and the findings update as you go. Nothing is sent to the cluster unless you apply.",
        ),
        "runs.root" => e(
            "Podman as root",
            "Podman runs as uid 0 inside the container. Simplest for images and networking, but without a user namespace, root in the container is root on the node if anything escapes.",
        ),
        "runs.rootless" => e(
            "Podman rootless",
            "Podman runs as uid 1000 and maps its containers' ids into /etc/subuid ranges. An escape lands as an unprivileged user, not root. Needs /dev/fuse and storage when not privileged.",
        ),
        "mode.rootful-priv" => e(
            "rootful-priv: privileged, as root",
            "securityContext.privileged: true with Podman as root. Everything works, nothing is contained: every device and capability of the node. Pod Security level privileged.",
        ),
        "mode.rootless-priv" => e(
            "rootless-priv: privileged, as uid 1000",
            "A privileged pod whose Podman runs as uid 1000. Rootless inside, but the pod is still privileged: host devices are visible and the kernel is one bug away.",
        ),
        "mode.rootless-no-priv" => e(
            "rootless-no-priv: no privilege, uid 1000",
            "The safest of the article's modes: uid 1000, default capabilities, /dev/fuse from a device plugin, storage on a volume. Pod Security baseline. Needs the fuse module on the nodes.",
        ),
        "mode.rootful-no-priv" => e(
            "rootful-no-priv: no privilege, as root",
            "Root in the pod with SYS_ADMIN, MKNOD, SYS_CHROOT and SETFCAP plus /dev/fuse. Not privileged, but SYS_ADMIN without a user namespace is close to it.",
        ),
        "mode.remote" => e(
            "remote: podman-remote via the node's socket",
            "The pod only holds podman-remote; containers run on the node's Podman through its socket (hostPath). Whoever reaches the socket is root on the node.",
        ),
        "mode.userns" => e(
            "userns: a user-namespaced pod",
            "The pod gets its own user namespace (spec.hostUsers: false, Kubernetes >= 1.33, or CRI-O's annotation). Root inside maps to unprivileged ids on the node; capabilities only count inside the pod.",
        ),
        "field.name" => e(
            "Pod name",
            "Empty keeps the mode's default. Must be an RFC 1123 subdomain: lower case letters, digits, '-' and '.'.",
        ),
        "field.namespace" => e(
            "Namespace",
            "Empty: no namespace in the manifests, kubectl's current namespace applies. Required on OpenShift (the SCC RoleBinding names it).",
        ),
        "field.image" => e(
            "Container image",
            "Empty: quay.io/podman/stable. Any image with Podman in it, e.g. quay.io/podman/stable:v5.6.",
        ),
        "field.create-namespace" => e(
            "Create the namespace",
            "Also emit the Namespace, labelled with the Pod Security level the pod needs. Needs a namespace name.",
        ),
        "storage.emptydir" => e(
            "Storage: emptyDir",
            "A fresh directory per pod: images are pulled again after every restart, nothing is shared with the node.",
        ),
        "storage.hostpath" => e(
            "Storage: hostPath (the article's choice)",
            "A directory of the node keeps images across restarts. The pod can write to the node's filesystem there: give an absolute path no one else uses.",
        ),
        "storage.pvc" => e(
            "Storage: PersistentVolumeClaim",
            "An existing claim keeps images across restarts without touching the node. The claim must exist in the namespace.",
        ),
        "storage.none" => e(
            "Storage: the container's own filesystem",
            "No volume: Podman's storage lives in the container's writable layer (overlay on overlay needs fuse-overlayfs) and is lost with the pod.",
        ),
        "fuse.device-plugin" => e(
            "/dev/fuse: fuse-device-plugin (article)",
            "A DaemonSet advertising github.com/fuse. The plugin itself runs privileged on every node.",
        ),
        "fuse.generic-device-plugin" => e(
            "/dev/fuse: generic-device-plugin",
            "squat/generic-device-plugin advertising squat.ai/fuse; maintained and configurable. The plugin runs privileged on every node.",
        ),
        "fuse.crio-devices" => e(
            "/dev/fuse: CRI-O annotation",
            "io.kubernetes.cri-o.Devices asks CRI-O for /dev/fuse: no plugin, but only on CRI-O with the annotation allowed (OpenShift's default).",
        ),
        "selinux.engine-type" => e(
            "SELinux: container_engine_t",
            "A type made for engines in containers: the pod stays confined and the nodes keep enforcing.",
        ),
        "selinux.host-disabled" => e(
            "SELinux: disabled on the node (article)",
            "The article's host step sets SELinux permissive on the node: every workload of that node loses its protection.",
        ),
        "selinux.none" => e(
            "SELinux: not enforcing",
            "For nodes that do not enforce SELinux; nothing is added.",
        ),
        "userns.hostusers" => e(
            "User namespace: spec.hostUsers: false",
            "The Kubernetes field (>= 1.33, runtime support needed). The standard way.",
        ),
        "userns.crio-annotation" => e(
            "User namespace: CRI-O annotation (legacy)",
            "io.kubernetes.cri-o.userns-mode, the article's way: CRI-O only, superseded by hostUsers.",
        ),
        "userns-shape.rootful" => e(
            "Shape: root with SYS_ADMIN (article)",
            "Root in the pod with SYS_ADMIN, MKNOD, SYS_CHROOT, SETFCAP, all of them scoped to the pod's user namespace.",
        ),
        "userns-shape.rootless" => e(
            "Shape: uid 1000 with SETUID/SETGID",
            "The OpenShift 4.20 nested-container shape: uid 1000 with SETUID and SETGID only, procMount Unmasked.",
        ),
        "platform.kubernetes" => e(
            "Platform: Kubernetes",
            "Plain manifests; Pod Security admission decides whether the namespace admits the pod.",
        ),
        "platform.openshift" => e(
            "Platform: OpenShift",
            "Adds a ServiceAccount and the RoleBinding granting the SCC the mode needs; needs a namespace.",
        ),
        _ => e("", ""),
    }
}
