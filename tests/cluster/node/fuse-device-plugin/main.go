// Command fuse-device-plugin is podwiz's test stand-in for the FUSE device plugins its
// manifests ask for: squat/generic-device-plugin (resource squat.ai/fuse) and
// soolaugust/fuse-device-plugin (resource github.com/fuse). Neither can be fetched on the
// test machines (not on the Go proxy, no image registry), so this speaks the same kubelet
// device-plugin API (k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1) and hands the same thing
// to each container: the node's /dev/fuse as a device, "rwm".
//
// It runs as a plain process in the test node's mount namespace, registers every resource
// with the kubelet, and re-registers when the kubelet recreates its socket (a kubelet restart
// removes plugin sockets).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
)

type fusePlugin struct {
	pluginapi.UnimplementedDevicePluginServer
	devices []*pluginapi.Device
	device  string
}

func (p *fusePlugin) GetDevicePluginOptions(context.Context, *pluginapi.Empty) (*pluginapi.DevicePluginOptions, error) {
	return &pluginapi.DevicePluginOptions{}, nil
}

// ListAndWatch sends the (fixed) device list once and keeps the stream open: the kubelet
// marks the resource unhealthy when the stream ends.
func (p *fusePlugin) ListAndWatch(_ *pluginapi.Empty, stream pluginapi.DevicePlugin_ListAndWatchServer) error {
	if err := stream.Send(&pluginapi.ListAndWatchResponse{Devices: p.devices}); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

func (p *fusePlugin) Allocate(_ context.Context, req *pluginapi.AllocateRequest) (*pluginapi.AllocateResponse, error) {
	resp := &pluginapi.AllocateResponse{}
	for range req.ContainerRequests {
		resp.ContainerResponses = append(resp.ContainerResponses, &pluginapi.ContainerAllocateResponse{
			Devices: []*pluginapi.DeviceSpec{{ContainerPath: p.device, HostPath: p.device, Permissions: "rwm"}},
		})
	}
	return resp, nil
}

// served is one resource's gRPC server on its socket in the kubelet's plugin directory.
type served struct {
	resource string
	socket   string
	server   *grpc.Server
}

func serve(dir, resource string, plugin *fusePlugin) (*served, error) {
	name := "podwiz-" + strings.NewReplacer("/", "-", ".", "-").Replace(resource) + ".sock"
	socket := filepath.Join(dir, name)
	_ = os.Remove(socket)
	lis, err := net.Listen("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", socket, err)
	}
	server := grpc.NewServer()
	pluginapi.RegisterDevicePluginServer(server, plugin)
	go func() { _ = server.Serve(lis) }()
	return &served{resource: resource, socket: socket, server: server}, nil
}

func register(kubeletSocket string, s *served) error {
	conn, err := grpc.NewClient("unix://"+kubeletSocket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = pluginapi.NewRegistrationClient(conn).Register(ctx, &pluginapi.RegisterRequest{
		Version:      pluginapi.Version,
		Endpoint:     filepath.Base(s.socket),
		ResourceName: s.resource,
	})
	return err
}

func main() {
	dir := flag.String("plugin-dir", pluginapi.DevicePluginPath, "the kubelet's device-plugin directory")
	device := flag.String("device", "/dev/fuse", "device node handed to each container")
	count := flag.Int("count", 64, "devices advertised per resource (pods that may hold one at once)")
	resources := flag.String("resources", "squat.ai/fuse,github.com/fuse", "comma-separated resource names")
	flag.Parse()

	if _, err := os.Stat(*device); err != nil {
		log.Fatalf("fuse-device-plugin: %v", err)
	}
	plugin := &fusePlugin{device: *device}
	for i := 0; i < *count; i++ {
		plugin.devices = append(plugin.devices, &pluginapi.Device{ID: fmt.Sprintf("fuse-%d", i), Health: pluginapi.Healthy})
	}
	kubeletSocket := filepath.Join(*dir, filepath.Base(pluginapi.KubeletSocket))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	var all []*served
	var kubeletIno uint64
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		// (Re)register whenever the kubelet's socket is new or one of ours vanished.
		var st syscall.Stat_t
		if err := syscall.Stat(kubeletSocket, &st); err == nil {
			lost := st.Ino != kubeletIno
			for _, s := range all {
				if _, err := os.Stat(s.socket); err != nil {
					lost = true
				}
			}
			if lost {
				for _, s := range all {
					s.server.Stop()
				}
				all = all[:0]
				ok := true
				for _, resource := range strings.Split(*resources, ",") {
					s, err := serve(*dir, resource, plugin)
					if err == nil {
						all = append(all, s)
						err = register(kubeletSocket, s)
					}
					if err != nil {
						log.Printf("fuse-device-plugin: %s: %v (will retry)", resource, err)
						ok = false
						break
					}
					log.Printf("fuse-device-plugin: registered %s (%d x %s)", resource, *count, *device)
				}
				if ok {
					kubeletIno = st.Ino
				}
			}
		}
		select {
		case <-stop:
			for _, s := range all {
				s.server.Stop()
				_ = os.Remove(s.socket)
			}
			return
		case <-tick.C:
		}
	}
}
