#!/usr/bin/env bash
# The test node's supervisor (started by tests/support/node.rs; facts behind each step:
# /work/shared/knowledge/real-node.md, "Spike 2026-11-30").
#
#   unshare --mount --propagation private -- bash node-supervisor.sh run RUN_DIR
#       Runs containerd, the kubelet and the fuse device plugin in this private mount namespace
#       until SIGTERM/SIGINT, until the test process (OWNER_PID) is gone, or until one of them
#       dies; then tears everything down (processes by cgroup, bridge, mounts, mountpoints it
#       created, cgroups) and exits. RUN_DIR/node.env holds the settings (see node.rs).
#   bash node-supervisor.sh sweep BASE
#       Cleans up after runs under BASE whose test process is gone (a killed `cargo test`):
#       stops their supervisor, or, if it was killed too, kills their processes by cgroup and
#       removes their bridge, mountpoints, cgroups and run dir.
#
# Host state is never changed outside what is undone here: the three sysctls the kubelet would
# set are overmounted in the kubelet's own mount namespace, /dev/fuse gets a 0666 node only in
# the node namespace, and every fixed host path the kubelet/containerd use is a private bind.
set -euo pipefail

log() { printf '%s node-supervisor: %s\n' "$(date +%T.%N | cut -c1-12)" "$*" >&2; }

cgroup_hierarchies() { # every v1 hierarchy and the unified one, as mounted
    local h
    for h in /sys/fs/cgroup/*/; do
        [ -e "$h/cgroup.procs" ] && printf '%s\n' "${h%/}"
    done
}

# Kills every process in the run's pids cgroup subtree, until it is empty.
kill_cgroup_processes() { # <cgroup root>; the caller must not be in it
    local root="/sys/fs/cgroup/pids$1" round pids
    [ -d "$root" ] || return 0
    for round in $(seq 50); do
        pids="$(find "$root" -name cgroup.procs -exec cat {} + 2>/dev/null || true)"
        [ -z "$pids" ] && return 0
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    log "processes still alive in $root: $pids"
    return 1
}

remove_cgroups() { # <cgroup root>
    local h
    while read -r h; do
        [ -d "$h$1" ] && find "$h$1" -depth -type d -exec rmdir {} + 2>/dev/null
        [ -d "$h$1" ] && log "cannot remove cgroup $h$1"
    done < <(cgroup_hierarchies)
    return 0
}

remove_created_dirs() { # <run dir>: mountpoints this run created on the host, deepest first
    [ -f "$1/created-dirs" ] || return 0
    local d
    while read -r d; do
        [ -n "$d" ] || continue
        # A mount namespace whose last process just died may hold its mounts a moment longer.
        for _ in $(seq 30); do rmdir "$d" 2>/dev/null || [ ! -e "$d" ] && break; sleep 0.1; done
        [ ! -e "$d" ] || log "cannot remove $d (not empty?)"
    done < <(tac "$1/created-dirs")
    rm -f "$1/created-dirs"
}

remove_bridge() { # <name>
    [ -z "$1" ] || ! ip link show "$1" >/dev/null 2>&1 || ip link del "$1" || log "cannot delete bridge $1"
}

# ---- sweep -----------------------------------------------------------------------------------

sweep() {
    local base="$1" t sup
    [ -d "$base" ] || return 0
    for t in "$base"/*/; do
        t="${t%/}"
        if [ ! -f "$t/node.env" ]; then
            # A start that failed before writing its settings: only the directory is left.
            kill -0 "$(basename "${t%%-*}")" 2>/dev/null || rm -rf "$t"
            continue
        fi
        (
            # shellcheck disable=SC1091
            source "$t/node.env"
            kill -0 "$OWNER_PID" 2>/dev/null && exit 0 # a live run
            sup="$(cat "$t/supervisor.pid" 2>/dev/null || true)"
            if [ -n "$sup" ] && grep -qa node-supervisor "/proc/$sup/cmdline" 2>/dev/null; then
                log "sweep: stopping the supervisor of $t (pid $sup)"
                kill -TERM "$sup" 2>/dev/null || true
                for _ in $(seq 600); do kill -0 "$sup" 2>/dev/null || break; sleep 0.1; done
            fi
            log "sweep: cleaning $t"
            kill_cgroup_processes "$CGROUP_ROOT" || true
            remove_bridge "$BRIDGE"
            remove_created_dirs "$t"
            remove_cgroups "$CGROUP_ROOT"
            rm -rf "$t"
        )
    done
}

# ---- run -------------------------------------------------------------------------------------

run() {
    T="$1"
    # shellcheck disable=SC1091
    source "$T/node.env"
    : "${OWNER_PID:?}" "${NODE_BIN:?}" "${CGROUP_ROOT:?}" "${BRIDGE:?}" "${KUBECONFIG_FILE:?}" "${CA_FILE:?}"
    : "${KUBELET_PORT:?}" "${REGISTRY:?}" "${PRIVATE_PATHS:?}" "${POD_SUBNET:?}" "${SANDBOX_IMAGE:?}"
    echo $$ > "$T/supervisor.pid"
    kubelet="" containerd="" plugin="" reason="" stop=""
    trap 'stop=signal' TERM INT HUP
    # Whatever ends this function (a failed step included) ends in the teardown.
    trap teardown EXIT

    # 1. One cgroup subtree per run in every hierarchy (the kubelet's cgroupRoot; cpuset needs
    #    its cpus/mems filled in). The supervisor and its children are tracked in pids/.../system.
    while read -r h; do
        mkdir -p "$h$CGROUP_ROOT"
        if [ -e "$h/cpuset.cpus" ]; then
            cat "$h/cpuset.cpus" > "$h$CGROUP_ROOT/cpuset.cpus"
            cat "$h/cpuset.mems" > "$h$CGROUP_ROOT/cpuset.mems"
        fi
    done < <(cgroup_hierarchies)
    mkdir -p "/sys/fs/cgroup/pids$CGROUP_ROOT/system"
    echo $$ > "/sys/fs/cgroup/pids$CGROUP_ROOT/system/cgroup.procs"

    # 2. Mount namespace: shared inside (kubelet volume mounts reach runc), private binds over
    #    the fixed host paths, a 0666 /dev/fuse (the host's is 0600; uid 1000 must open it).
    mount --make-rshared /
    : > "$T/created-dirs"
    local p i=0
    for p in $PRIVATE_PATHS; do
        if [ ! -e "$p" ]; then
            local missing="$p" chain=()
            while [ ! -e "$missing" ]; do chain=("$missing" "${chain[@]}"); missing="$(dirname "$missing")"; done
            for d in "${chain[@]}"; do mkdir "$d" && echo "$d" >> "$T/created-dirs"; done
        fi
        i=$((i + 1))
        mkdir -p "$T/private/$i"
        mount --bind "$T/private/$i" "$p"
    done
    mknod -m 0666 "$T/fuse" c 10 229
    mount --bind "$T/fuse" /dev/fuse

    # 3. containerd: every path under $T (ancestors of state need 0711 for userns pods).
    install -d -m 0711 "$T/containerd" "$T/containerd/state"
    mkdir -p "$T/net.d" "$T/cdi" "$T/certs.d/quay.io" "$T/cni-ipam"
    cat > "$T/certs.d/quay.io/hosts.toml" <<EOF
server = "http://$REGISTRY"

[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
    cat > "$T/net.d/10-podwiz.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "podwiz-test",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": false,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": false,
      "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_SUBNET"}]], "dataDir": "$T/cni-ipam"}
    }
  ]
}
EOF
    cat > "$T/containerd.toml" <<EOF
version = 3
root = "$T/containerd/root"
state = "$T/containerd/state"

[grpc]
  address = "$T/containerd/containerd.sock"
[ttrpc]
  address = "$T/containerd/containerd.sock.ttrpc"

[plugins.'io.containerd.internal.v1.opt']
  path = "$T/containerd/opt"
[plugins.'io.containerd.nri.v1.nri']
  disable = true
[plugins.'io.containerd.cri.v1.images']
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$SANDBOX_IMAGE"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$T/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = false
  # No CAP_SYS_RESOURCE on the test machines: clamp oom_score_adj to containerd's own.
  restrict_oom_score_adj = true
  tolerate_missing_hugetlb_controller = true
  netns_mounts_under_state_dir = true
  cdi_spec_dirs = ["$T/cdi"]
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$NODE_BIN/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$T/net.d"
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
    PATH="$NODE_BIN:$PATH" "$NODE_BIN/containerd" --config "$T/containerd.toml" > "$T/containerd.log" 2>&1 &
    containerd=$!
    echo "$containerd" > "$T/containerd.pid"
    for _ in $(seq 300); do
        [ -S "$T/containerd/containerd.sock" ] && break
        kill -0 "$containerd" 2>/dev/null || break
        sleep 0.1
    done
    [ -S "$T/containerd/containerd.sock" ] || reason="containerd did not open its socket (see $T/containerd.log)"

    # 4. The kubelet, in a child mount namespace where the three sysctls it would set read as
    #    already set (so it writes nothing). /proc of the node namespace stays fully visible, as
    #    userns pods need to mount a new procfs.
    if [ -z "$reason" ]; then
        cat > "$T/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
address: 127.0.0.1
port: $KUBELET_PORT
healthzBindAddress: 127.0.0.1
healthzPort: 0
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $CA_FILE}
authorization: {mode: AlwaysAllow}
oomScoreAdj: 0
maxOpenFiles: 20000
makeIPTablesUtilChains: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# The node shares the machine's disk with builds: the default (10% free) would evict every pod
# on a full build machine. Pods here are short-lived and small.
evictionHard:
  nodefs.available: "512Mi"
  imagefs.available: "512Mi"
  nodefs.inodesFree: "1%"
  imagefs.inodesFree: "1%"
  memory.available: "100Mi"
serializeImagePulls: false
shutdownGracePeriod: 0s
resolvConf: ""
failSwapOn: true
containerRuntimeEndpoint: unix://$T/containerd/containerd.sock
EOF
        for s in vm/overcommit_memory:1 kernel/panic:10 kernel/panic_on_oops:1; do
            s="${s//\//.}"
            echo "${s#*:}" > "$T/sysctl-${s%%:*}"
        done
        unshare --mount --propagation unchanged -- bash -c '
            set -e
            mount --make-rprivate /proc
            for s in vm/overcommit_memory kernel/panic kernel/panic_on_oops; do
                mount --bind "$1/sysctl-${s//\//.}" "/proc/sys/$s"
            done
            shift
            exec "$@"' _ "$T" "$NODE_BIN/kubelet" --config "$T/kubelet.yaml" --kubeconfig "$KUBECONFIG_FILE" \
            > "$T/kubelet.log" 2>&1 &
        kubelet=$!
        echo "$kubelet" > "$T/kubelet.pid"
        "$NODE_BIN/fuse-device-plugin" > "$T/fuse-device-plugin.log" 2>&1 &
        plugin=$!
        echo "$plugin" > "$T/fuse-device-plugin.pid"
        echo ready > "$T/supervisor.state"
    fi

    # 5. Wait for a reason to stop.
    while [ -z "$reason" ]; do
        if [ -n "$stop" ]; then reason="stopped by signal"; break; fi
        kill -0 "$OWNER_PID" 2>/dev/null || { reason="test process $OWNER_PID is gone"; break; }
        kill -0 "$containerd" 2>/dev/null || { reason="containerd exited (see $T/containerd.log)"; break; }
        kill -0 "$kubelet" 2>/dev/null || { reason="kubelet exited (see $T/kubelet.log)"; break; }
        sleep 0.5 &
        wait $! || true
    done
}

# Teardown (EXIT trap of run): the kubelet first (no restarts of what is killed next), then the
# rest by cgroup (shims, pods and anything they started), bridge, mounts, mountpoints, cgroups.
teardown() {
    local status=$? pid p
    trap - EXIT
    set +e
    [ -n "$reason" ] || reason="supervisor failed (exit status $status)"
    log "tearing down: $reason"
    echo "$reason" > "$T/stop-reason"
    # Out of the run's cgroup first: what this shell starts from now on must not be counted.
    echo $$ > /sys/fs/cgroup/pids/cgroup.procs
    for pid in $kubelet $plugin $containerd; do
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    kill_cgroup_processes "$CGROUP_ROOT" || true
    remove_bridge "$BRIDGE"
    for p in $PRIVATE_PATHS /dev/fuse; do umount -R -l "$p" 2>/dev/null || true; done
    remove_created_dirs "$T"
    remove_cgroups "$CGROUP_ROOT"
    echo down > "$T/supervisor.state"
    log "down"
    exit "$status"
}

case "${1:-}" in
    run) run "${2:?usage: node-supervisor.sh run RUN_DIR}" ;;
    sweep) sweep "${2:?usage: node-supervisor.sh sweep BASE}" ;;
    *) echo "usage: node-supervisor.sh run RUN_DIR | sweep BASE" >&2; exit 2 ;;
esac
