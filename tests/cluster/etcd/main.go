// Command etcd is the upstream etcd server, built from go.etcd.io/etcd/server/v3
// (which cannot be `go install`ed directly because of its relative replaces).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
