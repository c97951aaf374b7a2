#!/usr/bin/env bash
# Wall-clock benchmark: `podwiz apply MODE --yes --wait 0` against
# `kubectl apply --server-side -f` of the same `podwiz generate` output, on the test control
# plane (etcd + kube-apiserver of tests/support/control_plane.rs, started through the ignored
# test `bench_server` of tests/apply.rs). Runs alternate between the two tools; every run
# applies into a namespace of its own (created by the apply), so each run creates objects.
#
#   bash scripts/bench-apply.sh            # RUNS=7 MODE=rootless-no-priv
#   RUNS=11 PODWIZ_BIN=target/debug/podwiz bash scripts/bench-apply.sh
#
# Prints each run, the medians and the median ratio podwiz/kubectl (target: <= 0.5).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-7}"
mode="${MODE:-rootless-no-priv}"
# Five objects: Namespace, ServiceAccount, RoleBinding, DaemonSet (kube-system), Pod.
mode_args=(--platform openshift --fuse generic-device-plugin --create-namespace)

log() { printf 'bench-apply: %s\n' "$*" >&2; }

podwiz="${PODWIZ_BIN:-}"
if [[ -z "$podwiz" ]]; then
    log "building podwiz (release)"
    cargo build --quiet --release --bin podwiz
    podwiz="$repo/target/release/podwiz"
fi

log "building the test binary"
testbin="$(cargo test --test apply --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | grep '/apply-' | tail -n 1)"
[[ -x "$testbin" ]] || { log "cannot find the tests/apply.rs binary"; exit 1; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log "starting the control plane"
PODWIZ_BENCH_INFO="$work/info" "$testbin" --ignored --exact bench_server --nocapture \
    >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
    [[ -s "$work/info" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
done
[[ -s "$work/info" ]] || { log "control plane did not start"; cat "$work/server.log" >&2; exit 1; }
kubeconfig="$(sed -n 's/^kubeconfig=//p' "$work/info")"
kubectl="$(sed -n 's/^kubectl=//p' "$work/info")"

now_ms() { date +%s%3N; }

run_podwiz() { # <namespace>
    "$podwiz" apply "$mode" "${mode_args[@]}" -n "$1" --yes --wait 0 \
        --kubeconfig "$kubeconfig" </dev/null >"$work/last.out" 2>&1 ||
        { cat "$work/last.out" >&2; exit 1; }
}

run_kubectl() { # <namespace>
    "$podwiz" generate "$mode" "${mode_args[@]}" -n "$1" >"$work/$1.yaml"
    local start end
    start="$(now_ms)"
    "$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$work/kube-cache" \
        apply --server-side -f "$work/$1.yaml" >"$work/last.out" 2>&1 ||
        { cat "$work/last.out" >&2; exit 1; }
    end="$(now_ms)"
    echo $((end - start))
}

time_podwiz() { # <namespace>
    local start end
    start="$(now_ms)"
    run_podwiz "$1"
    end="$(now_ms)"
    echo $((end - start))
}

log "warm-up (kubectl discovery cache, page cache)"
time_podwiz "bench-warm-p" >/dev/null
run_kubectl "bench-warm-k" >/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$work/p"
: >"$work/k"
for i in $(seq 1 "$runs"); do
    if ((i % 2)); then
        p="$(time_podwiz "bench-p-$i")"
        k="$(run_kubectl "bench-k-$i")"
    else
        k="$(run_kubectl "bench-k-$i")"
        p="$(time_podwiz "bench-p-$i")"
    fi
    echo "$p" >>"$work/p"
    echo "$k" >>"$work/k"
    printf 'run %2d: podwiz %5d ms   kubectl %5d ms\n' "$i" "$p" "$k"
done

pm="$(median <"$work/p")"
km="$(median <"$work/k")"
ratio="$(awk -v p="$pm" -v k="$km" 'BEGIN { printf "%.2f", p / k }')"
printf 'median: podwiz %s ms, kubectl %s ms, ratio podwiz/kubectl = %s (target <= 0.5)\n' \
    "$pm" "$km" "$ratio"
