#!/usr/bin/env bash
# Builds the test node (tests/support/node.rs) from source and Debian packages, and caches it
# outside the clone:
#
#   ${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}/
#     node-current -> node-k8s-<k8s>-containerd-<v>-runc-<v>-crane-<v>   (symlink, used by the tests)
#     node-k8s-.../
#       bin/{kubelet,kube-scheduler,containerd,containerd-shim-runc-v2,ctr,runc,crane,
#            fuse-device-plugin,pause}
#       versions    (kubernetes=, containerd=, runc=, crane=, go=)
#       images -> ../node-images-<hash of the image recipe>
#     node-images-<hash>/
#       podman.tar  (image tarball for `crane push`: Debian <suite> shaped like quay.io/podman/stable)
#       pause.tar   (the pod sandbox image)
#       versions    (podman=, crun=, ... as installed in the image)
#
# Versions: k8s.io/kubernetes from tests/cluster/node/go.mod (must match the control plane's
# tests/cluster/apiserver/go.mod), the rest from tests/cluster/node/versions. The image is keyed by
# a hash of its recipe (this script's image part and tests/cluster/node/image/*).
# Needs: go, apt packages libseccomp-dev (runc), containernetworking-plugins (CNI, used from
# /usr/lib/cni at run time), mmdebstrap and libcap2-bin (image), jq; root for mmdebstrap/setcap.
# Idempotent: returns at once when everything is there. The bin dir is the last line of
# stdout; progress goes to stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_mod="$repo/tests/cluster/node"
apiserver_mod="$repo/tests/cluster/apiserver"

log() { printf 'build-node: %s\n' "$*" >&2; }
die() { printf 'build-node: error: %s\n' "$*" >&2; exit 1; }

required_version() { # <go.mod> <module path>
    awk -v m="$2" '$0 !~ /=>/ { for (i = 1; i < NF; i++) if ($i == m && $(i+1) ~ /^v/) { print $(i+1); exit } }' "$1"
}
pinned() { # <key> from tests/cluster/node/versions
    sed -n "s/^$1=//p" "$node_mod/versions" | head -n1
}

k8s_version="$(required_version "$node_mod/go.mod" k8s.io/kubernetes)"
[[ "$k8s_version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from $node_mod/go.mod (got '$k8s_version')"
k8s_minor="${BASH_REMATCH[1]}"
cp_version="$(required_version "$apiserver_mod/go.mod" k8s.io/kubernetes)"
[ "$k8s_version" = "$cp_version" ] ||
    die "kubelet ($node_mod/go.mod: $k8s_version) and kube-apiserver ($apiserver_mod/go.mod: $cp_version) must be the same release"
containerd_version="$(pinned containerd)"
runc_version="$(pinned runc)"
crane_version="$(pinned crane)"
suite="$(pinned debian_suite)"
for v in containerd_version runc_version crane_version suite; do
    [ -n "${!v}" ] || die "no ${v%_version}= line in $node_mod/versions"
done

# Everything the image is made from; a change makes a new image dir.
image_hash="$( { sed -n '/^# ---- image recipe/,/^# ---- end of image recipe/p' "${BASH_SOURCE[0]}"; echo "$suite";
    cat "$node_mod/image/"* "$node_mod/pause/main.go"; } | sha256sum | cut -c1-12)"

cache="${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}"
node_name="node-k8s-${k8s_version}-containerd-${containerd_version}-runc-${runc_version}-crane-${crane_version}"
node_dir="$cache/$node_name"
bin="$node_dir/bin"
images="$cache/node-images-$image_hash"
binaries=(kubelet kube-scheduler containerd containerd-shim-runc-v2 ctr runc crane fuse-device-plugin pause)

bins_complete() {
    local b
    for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || return 1; done
    [ -f "$node_dir/versions" ]
}
images_complete() {
    [ -s "$images/podman.tar" ] && [ -s "$images/pause.tar" ] && [ -f "$images/versions" ]
}
complete() { bins_complete && images_complete && [ "$(readlink "$node_dir/images")" = "../node-images-$image_hash" ]; }

point_current() {
    ln -sfn "$node_name" "$cache/.node-current.$$"
    mv -fT "$cache/.node-current.$$" "$cache/node-current"
}

mkdir -p "$cache"
if complete; then
    point_current
    echo "$bin"
    exit 0
fi

command -v go >/dev/null 2>&1 || die "'go' not found in PATH: install Go >= $(sed -n 's/^go //p' "$node_mod/go.mod") to build the test node"

exec 9>"$cache/.build-node.lock"
if command -v flock >/dev/null 2>&1; then
    flock -n 9 || { log "waiting for another build (lock $cache/.build-node.lock)"; flock 9; }
fi

mkdir -p "$bin"
tmp="$(mktemp -d "$cache/.build-node.XXXXXX")"
registry_pid=""
cleanup() {
    [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
timed() { # <what> <command...>: runs it, logs the wall time
    local what="$1" start=$SECONDS
    shift
    "$@" || die "$what failed"
    log "$what: $((SECONDS - start)) s"
}

# ---- binaries ------------------------------------------------------------------------------

if [ ! -x "$bin/fuse-device-plugin" ] || [ ! -x "$bin/pause" ]; then
    log "building fuse-device-plugin and pause"
    timed "go build fuse-device-plugin pause" \
        env CGO_ENABLED=0 bash -c 'cd "$1" && go build -trimpath -ldflags "-s -w" -o "$2/" ./fuse-device-plugin ./pause' _ "$node_mod" "$tmp"
    mv -f "$tmp/fuse-device-plugin" "$tmp/pause" "$bin/"
fi

if [ ! -x "$bin/containerd" ] || [ ! -x "$bin/containerd-shim-runc-v2" ] || [ ! -x "$bin/ctr" ]; then
    log "building containerd $containerd_version (+ shim, ctr)"
    mkdir -p "$tmp/gobin"
    # cgo is only used by the btrfs snapshotter (and pkcs11): both unused here.
    timed "go install containerd $containerd_version" env GOBIN="$tmp/gobin" CGO_ENABLED=0 go install -trimpath -tags no_btrfs \
        -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$containerd_version" \
        "github.com/containerd/containerd/v2/cmd/containerd@$containerd_version" \
        "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$containerd_version" \
        "github.com/containerd/containerd/v2/cmd/ctr@$containerd_version"
    mv -f "$tmp/gobin/containerd" "$tmp/gobin/containerd-shim-runc-v2" "$tmp/gobin/ctr" "$bin/"
fi

if [ ! -x "$bin/runc" ]; then
    log "building runc $runc_version"
    [ -f /usr/include/seccomp.h ] || die "runc needs libseccomp headers: apt-get install libseccomp-dev"
    mkdir -p "$tmp/gobin"
    # -tags seccomp alone: runc's default tags add libpathrs, which Debian does not package.
    timed "go install runc $runc_version" env GOBIN="$tmp/gobin" CGO_ENABLED=1 go install -trimpath -tags seccomp \
        -ldflags "-s -w -X main.version=${runc_version#v}" "github.com/opencontainers/runc@$runc_version"
    mv -f "$tmp/gobin/runc" "$bin/"
fi

if [ ! -x "$bin/crane" ]; then
    log "building crane $crane_version"
    mkdir -p "$tmp/gobin"
    timed "go install crane $crane_version" env GOBIN="$tmp/gobin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
        "github.com/google/go-containerregistry/cmd/crane@$crane_version"
    mv -f "$tmp/gobin/crane" "$bin/"
fi

printf 'kubernetes=%s\ncontainerd=%s\nrunc=%s\ncrane=%s\ngo=%s\n' \
    "$k8s_version" "$containerd_version" "${runc_version#v}" "$crane_version" "$(go env GOVERSION)" > "$tmp/versions"
mv -f "$tmp/versions" "$node_dir/versions"

# ---- image recipe (hashed into the image dir's name, up to its end marker) ----------------

if ! images_complete; then
    [ "$(id -u)" -eq 0 ] || die "the Podman test image is built with mmdebstrap and setcap: run as root"
    for tool in mmdebstrap setcap jq; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: apt-get install mmdebstrap libcap2-bin jq"
    done
    mkdir -p "$images"
    rootfs="$tmp/rootfs"
    # Debian's podman Recommends are left out (--variant=apt); what the image needs is listed.
    packages=podman,crun,conmon,catatonit,fuse-overlayfs,fuse3,uidmap,netavark,busybox-static,ca-certificates,containers-storage,golang-github-containers-common
    log "mmdebstrap $suite podman image"
    timed "mmdebstrap $suite" mmdebstrap --quiet --variant=apt --include="$packages" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' "$suite" "$rootfs"
    bash "$node_mod/image/customize.sh" "$rootfs"
    chroot "$rootfs" dpkg-query -W -f '${Package}=${Version}\n' podman crun conmon fuse-overlayfs uidmap netavark busybox-static \
        > "$tmp/image-versions"
    # pax + xattrs keep the file capabilities of newuidmap/newgidmap in the layer.
    tar --xattrs --xattrs-include='security.capability' --format=pax --pax-option=delete=atime,delete=ctime --numeric-owner --one-file-system \
        -C "$rootfs" -cf "$tmp/podman-layer.tar" .
    rm -rf "$rootfs"
    mkdir -p "$tmp/pause-root"
    cp "$bin/pause" "$tmp/pause-root/pause"
    tar --numeric-owner --owner=0 --group=0 -C "$tmp/pause-root" -cf "$tmp/pause-layer.tar" .

    # crane edits configs in a registry: a throwaway in-memory one on loopback.
    "$bin/crane" registry serve --address 127.0.0.1:0 > "$tmp/registry.log" 2>&1 &
    registry_pid=$!
    port=""
    for _ in $(seq 100); do
        port="$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$tmp/registry.log")"
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || die "crane registry did not start: $(cat "$tmp/registry.log")"
    reg="127.0.0.1:$port"
    # <name> <layer> <config jq filter> <out>
    make_image() {
        "$bin/crane" append --insecure --oci-empty-base -f "$2" -t "$reg/$1" >/dev/null 2>"$tmp/crane.err" ||
            die "crane append $1: $(cat "$tmp/crane.err")"
        "$bin/crane" config --insecure "$reg/$1" | jq -c "$3" | "$bin/crane" edit config --insecure "$reg/$1" >/dev/null 2>"$tmp/crane.err" ||
            die "crane edit config $1: $(cat "$tmp/crane.err")"
        "$bin/crane" pull --insecure "$reg/$1" "$tmp/$4" 2>"$tmp/crane.err" || die "crane pull $1: $(cat "$tmp/crane.err")"
        mv -f "$tmp/$4" "$images/$4"
    }
    path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    # quay.io/podman/stable's config: its ENV and VOLUMEs, user root, bash as the command.
    timed "podman image" make_image podman/stable:latest "$tmp/podman-layer.tar" \
        ".architecture=\"amd64\" | .os=\"linux\" | .config.Env=[\"PATH=$path\",\"container=oci\",\"_CONTAINERS_USERNS_CONFIGURED=\",\"BUILDAH_ISOLATION=chroot\"] | .config.Cmd=[\"/bin/bash\"] | .config.Volumes={\"/var/lib/containers\":{},\"/home/podman/.local/share/containers\":{}}" \
        podman.tar
    timed "pause image" make_image podwiz/pause:1 "$tmp/pause-layer.tar" \
        '.architecture="amd64" | .os="linux" | .config.Entrypoint=["/pause"] | .config.Env=[]' pause.tar
    mv -f "$tmp/image-versions" "$images/versions"
fi
# ---- end of image recipe ----

# The biggest build last: the image needs only pause, and runs mostly on the network.
if [ ! -x "$bin/kubelet" ] || [ ! -x "$bin/kube-scheduler" ]; then
    log "building kubelet and kube-scheduler $k8s_version (minutes on a cold Go cache)"
    build_date="$(cd "$node_mod" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)"
    ldflags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
        ldflags+=" -X $pkg.gitCommit= -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
    done
    mkdir -p "$tmp/k8s"
    # The kubelet's own build (hack/lib/golang.sh) links it without cgo.
    timed "go build kubelet kube-scheduler" \
        env CGO_ENABLED=0 bash -c 'cd "$1" && go build -trimpath -ldflags "$2" -o "$3/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler' \
        _ "$node_mod" "$ldflags" "$tmp/k8s"
    mv -f "$tmp/k8s/kubelet" "$tmp/k8s/kube-scheduler" "$bin/"
fi

ln -sfn "../node-images-$image_hash" "$node_dir/.images.$$"
mv -fT "$node_dir/.images.$$" "$node_dir/images"

complete || die "internal error: $node_dir is incomplete after the build"
point_current
log "done: $bin"
echo "$bin"
