#!/usr/bin/env bash
# Shapes a Debian rootfs (made by mmdebstrap in scripts/build-node.sh) like quay.io/podman/stable
# (github.com/containers/podman contrib/podmanimage/stable/Containerfile):
#   user podman (uid/gid 1000) with /etc/subuid and /etc/subgid podman:1:999 and podman:1001:64535,
#   its containers.conf / storage.conf, newuidmap/newgidmap with file capabilities (quay's
#   `rpm --setcaps shadow-utils`) instead of Debian's setuid bit, /var/lib/shared as an empty
#   additional image store.
# Plus, for the tests: a busybox rootfs tarball at /opt/podwiz/busybox.tar (the inner image, so
# `podman import` + `podman run` need no registry).
#   usage: customize.sh ROOTFS
set -euo pipefail
root="${1:?usage: customize.sh ROOTFS}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

chroot "$root" useradd --uid 1000 --user-group --create-home --shell /bin/bash podman
printf 'podman:1:999\npodman:1001:64535\n' > "$root/etc/subuid"
printf 'podman:1:999\npodman:1001:64535\n' > "$root/etc/subgid"

install -D -m 0644 "$here/containers.conf" "$root/etc/containers/containers.conf"
install -D -m 0644 "$here/storage.conf" "$root/etc/containers/storage.conf"
install -D -m 0644 "$here/podman-containers.conf" "$root/home/podman/.config/containers/containers.conf"
mkdir -p "$root/home/podman/.local/share/containers"
chroot "$root" chown -R podman:podman /home/podman

# Rootless Podman in a pod without privilege needs newuidmap/newgidmap to gain their
# capability from the file, not from setuid root (a pod without SETUID/SETGID in its bounding
# set makes the setuid path fail; file caps are what quay's image ships).
for tool in newuidmap:cap_setuid newgidmap:cap_setgid; do
    chmod 0755 "$root/usr/bin/${tool%%:*}"
    setcap "${tool#*:}=ep" "$root/usr/bin/${tool%%:*}"
done

# quay's image: an empty read-only additional image store with its lock files.
for kind in images layers; do
    mkdir -p "$root/var/lib/shared/overlay-$kind"
    touch "$root/var/lib/shared/overlay-$kind/$kind.lock"
done
mkdir -p "$root/var/lib/shared/vfs-images" "$root/var/lib/shared/vfs-layers"
touch "$root/var/lib/shared/vfs-images/images.lock" "$root/var/lib/shared/vfs-layers/layers.lock"

# The inner image: busybox-static with the applets the tests use.
bb="$(mktemp -d)"
trap 'rm -rf "$bb"' EXIT
chmod 0755 "$bb"
mkdir -p "$bb/bin" "$bb/tmp" "$bb/etc"
cp "$root/bin/busybox" "$bb/bin/busybox"
for applet in sh echo cat ls true sleep id touch mkdir; do
    ln -s busybox "$bb/bin/$applet"
done
chmod 1777 "$bb/tmp"
echo 'root:x:0:0:root:/:/bin/sh' > "$bb/etc/passwd"
mkdir -p "$root/opt/podwiz"
tar --numeric-owner --owner=0 --group=0 -C "$bb" -cf "$root/opt/podwiz/busybox.tar" .

# Keep the image small: apt lists and caches are not needed at run time.
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*
