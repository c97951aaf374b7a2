//go:build tools

// Package tools pins the Kubernetes commands built by scripts/build-control-plane.sh
// so that `go mod tidy` keeps their dependencies in go.mod/go.sum.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
