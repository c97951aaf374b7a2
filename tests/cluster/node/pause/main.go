// Command pause is the test node's pod sandbox image (containerd's pinned_images.sandbox):
// it holds the pod's namespaces open until told to stop, like registry.k8s.io/pause, which
// cannot be pulled on the test machines. Static Go, so the image is this one file.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	// As PID 1 of a shared PID namespace it must reap orphans: SIGCHLD is handled by Go's
	// runtime, so reap in a loop on every wake-up.
	child := make(chan os.Signal, 1)
	signal.Notify(child, syscall.SIGCHLD)
	for {
		select {
		case <-sig:
			os.Exit(0)
		case <-child:
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}
