#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kubectl, etcd) from source with Go
# and caches it outside the clone:
#
#   ${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}/
#     current -> cp-k8s-<k8s version>-etcd-<etcd version>   (symlink, used by the Rust tests)
#     cp-k8s-<k8s version>-etcd-<etcd version>/
#       bin/{kube-apiserver,kubectl,etcd,yaml2json}
#       versions   (kubernetes=..., etcd=..., go=...)
#       psa-dir    (path of the downloaded k8s.io/pod-security-admission module)
#
# Versions come from tests/cluster/{apiserver,etcd}/go.mod (the only place to bump them).
# Idempotent: returns at once when everything is there. The bin dir is the last line of
# stdout; progress goes to stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
apiserver_mod="$repo/tests/cluster/apiserver"
etcd_mod="$repo/tests/cluster/etcd"

log() { printf 'build-control-plane: %s\n' "$*" >&2; }
die() { printf 'build-control-plane: error: %s\n' "$*" >&2; exit 1; }

# Version of a required module, read from a go.mod without needing the go command.
required_version() { # <go.mod> <module path>
    awk -v m="$2" '$0 !~ /=>/ { for (i = 1; i < NF; i++) if ($i == m && $(i+1) ~ /^v/) { print $(i+1); exit } }' "$1"
}

k8s_version="$(required_version "$apiserver_mod/go.mod" k8s.io/kubernetes)"
etcd_version="$(required_version "$etcd_mod/go.mod" go.etcd.io/etcd/server/v3)"
[[ "$k8s_version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from $apiserver_mod/go.mod (got '$k8s_version')"
k8s_minor="${BASH_REMATCH[1]}"
[ -n "$etcd_version" ] || die "cannot read the go.etcd.io/etcd/server/v3 version from $etcd_mod/go.mod"
staging_version="v0.${k8s_version#v1.}"

cache="${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}"
cp_name="cp-k8s-${k8s_version}-etcd-${etcd_version}"
cp_dir="$cache/$cp_name"
bin="$cp_dir/bin"

complete() {
    [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kubectl" ] && [ -x "$bin/etcd" ] && [ -x "$bin/yaml2json" ] &&
        [ -f "$cp_dir/versions" ] && [ -f "$cp_dir/psa-dir" ] && [ -d "$(cat "$cp_dir/psa-dir")" ]
}

point_current() {
    # Atomic replace of the `current` symlink (relative, so the cache can move).
    ln -sfn "$cp_name" "$cache/.current.$$"
    mv -fT "$cache/.current.$$" "$cache/current"
}

mkdir -p "$cache"
if complete; then
    point_current
    echo "$bin"
    exit 0
fi

command -v go >/dev/null 2>&1 ||
    die "'go' not found in PATH: install Go >= $(sed -n 's/^go //p' "$apiserver_mod/go.mod") (https://go.dev/dl/) to build the test control plane into $bin"

# One builder at a time per cache (concurrent test runs / engineers).
exec 9>"$cache/.build.lock"
if command -v flock >/dev/null 2>&1; then
    flock -n 9 || { log "waiting for another build (lock $cache/.build.lock)"; flock 9; }
fi
if complete; then
    point_current
    echo "$bin"
    exit 0
fi

mkdir -p "$bin"
tmp="$(mktemp -d "$cp_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

# Same variables as kubernetes' hack/lib/version.sh, so `kubectl version` and the
# apiserver's /version report the release (and binary version for emulation/compat).
build_date="$(cd "$apiserver_mod" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
    ldflags+=" -X $pkg.gitCommit= -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
done

if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kubectl" ]; then
    log "building kube-apiserver and kubectl $k8s_version (several minutes on a cold Go cache)"
    mkdir -p "$tmp/k8s"
    (cd "$apiserver_mod" && go build -trimpath -ldflags "$ldflags" -o "$tmp/k8s/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) ||
        die "go build of kube-apiserver/kubectl $k8s_version failed (module $apiserver_mod)"
    mv -f "$tmp/k8s/kube-apiserver" "$bin/kube-apiserver"
    mv -f "$tmp/k8s/kubectl" "$bin/kubectl"
fi

if [ ! -x "$bin/yaml2json" ]; then
    # kubectl's own YAML reader (apimachinery + sigs.k8s.io/yaml) as a filter, for podwiz's YAML tests.
    log "building yaml2json (kubectl's YAML reader)"
    (cd "$apiserver_mod" && go build -trimpath -ldflags "-s -w" -o "$tmp/yaml2json" ./yaml2json) ||
        die "go build of yaml2json failed (module $apiserver_mod)"
    mv -f "$tmp/yaml2json" "$bin/yaml2json"
fi

if [ ! -x "$bin/etcd" ]; then
    log "building etcd $etcd_version"
    (cd "$etcd_mod" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" .) ||
        die "go build of etcd $etcd_version failed (module $etcd_mod)"
    mv -f "$tmp/etcd" "$bin/etcd"
fi

log "downloading k8s.io/pod-security-admission@$staging_version"
psa_dir="$(cd "$tmp" && go mod download -json "k8s.io/pod-security-admission@$staging_version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -n "$psa_dir" ] && [ -d "$psa_dir" ] || die "go mod download k8s.io/pod-security-admission@$staging_version gave no directory"
printf '%s\n' "$psa_dir" > "$tmp/psa-dir" && mv -f "$tmp/psa-dir" "$cp_dir/psa-dir"

printf 'kubernetes=%s\netcd=%s\ngo=%s\n' "$k8s_version" "$etcd_version" "$(go env GOVERSION)" > "$tmp/versions"
mv -f "$tmp/versions" "$cp_dir/versions"

complete || die "internal error: $cp_dir is incomplete after the build"
point_current
log "done: $bin"
echo "$bin"
