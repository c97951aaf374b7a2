//go:build tools

// Package tools pins the node commands built by scripts/build-node.sh (same k8s.io/kubernetes
// release as ../apiserver) so that `go mod tidy` keeps their dependencies in go.mod/go.sum.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
