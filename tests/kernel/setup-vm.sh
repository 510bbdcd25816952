#!/bin/bash
# setup-vm.sh [CACHE_DIR] - prepare the cusekit test VM (kernel + initramfs).
#
# Idempotent.  Downloads Debian's current stock kernel (the one
# linux-image-amd64 points at) and busybox-static with `apt-get download`,
# extracts them into CACHE_DIR (never installs them on the host) and builds a
# tiny initramfs holding busybox, the modules needed for virtio-9p, fuse and
# cuse, and vm-init.sh as /init.  A stamp file records what was built, so a
# second run only re-resolves the kernel version and exits.
#
# Output: progress on stdout; on success the last line is
#   CUSEKIT_VM_READY <cache_dir>
# Exit status: 0 ok, 1 failure (message on stderr).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-${CUSEKIT_VM_CACHE:-/var/cache/cusekit-vm}}
init_src=$here/vm-init.sh

say() { printf 'setup-vm: %s\n' "$*"; }
die() { printf 'setup-vm: ERROR: %s\n' "$*" >&2; exit 1; }

[ -r "$init_src" ] || die "missing $init_src"
mkdir -p "$cache" || die "cannot create cache dir $cache"
cache=$(cd "$cache" && pwd)

# Several meson tests may start at once: serialise on the cache.
exec 9>"$cache/.lock"
flock 9 || die "cannot lock $cache/.lock"

apt_updated=0
apt_update_once() {
	[ "$apt_updated" = 1 ] && return 0
	apt_updated=1
	say "running apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 ||
		say "warning: apt-get update failed"
}

# Host tools.  Only install what is missing.
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v xz >/dev/null || need_pkgs+=(xz-utils)
command -v zstd >/dev/null || need_pkgs+=(zstd)
command -v gzip >/dev/null || need_pkgs+=(gzip)
command -v modinfo >/dev/null || need_pkgs+=(kmod)
command -v dpkg-deb >/dev/null || die "dpkg-deb not found (not a Debian host?)"
if [ ${#need_pkgs[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "need root to install: ${need_pkgs[*]}"
	say "installing ${need_pkgs[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null 2>&1; then
		apt_update_once
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null ||
			die "apt-get install ${need_pkgs[*]} failed"
	fi
fi

# Resolve "pkgname version" of the kernel the metapackage depends on.
resolve_kernel() {
	local pkg ver
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n1)
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	printf '%s %s\n' "$pkg" "$ver"
}
resolve_pkg_version() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n1
}

# apt-cache takes ~2 s here, so remember its answers until the apt lists
# change (after `apt-get update` a new kernel may be current).
lists_fp() {
	{ stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* /etc/apt/sources.list \
		/etc/apt/sources.list.d/* 2>/dev/null || :; } | sha256sum | cut -d' ' -f1
}
resolved=$cache/resolved
fp=$(lists_fp)
kinfo='' bbver=''
if [ -s "$resolved" ] && [ "$(sed -n 1p "$resolved")" = "$fp" ]; then
	kinfo=$(sed -n 2p "$resolved")
	bbver=$(sed -n 3p "$resolved")
fi
if [ -z "$kinfo" ] || [ -z "$bbver" ]; then
	kinfo=$(resolve_kernel) || { apt_update_once; kinfo=$(resolve_kernel) || kinfo=; }
	bbver=$(resolve_pkg_version busybox-static)
	if [ -z "$bbver" ] || [ "$bbver" = "(none)" ]; then
		apt_update_once
		bbver=$(resolve_pkg_version busybox-static)
	fi
	if [ -n "$kinfo" ] && [ -n "$bbver" ] && [ "$bbver" != "(none)" ]; then
		printf '%s\n%s\n%s\n' "$(lists_fp)" "$kinfo" "$bbver" >"$resolved"
	fi
fi

stamp=$cache/stamp
if [ -z "$kinfo" ] || [ -z "$bbver" ] || [ "$bbver" = "(none)" ]; then
	# Offline/without apt lists: a previous build is still usable.
	if [ -s "$stamp" ] && [ -r "$cache/vmlinuz" ] && [ -r "$cache/initramfs.cpio.gz" ]; then
		say "warning: cannot resolve packages with apt-cache; using cached $(head -n1 "$stamp")"
		printf 'CUSEKIT_VM_READY %s\n' "$cache"
		exit 0
	fi
	die "cannot resolve the kernel behind linux-image-amd64 / busybox-static with apt-cache"
fi
kpkg=${kinfo% *}
kver=${kinfo#* }

# Everything that influences the result goes into the stamp.
want_stamp=$(printf 'kernel %s %s\nbusybox-static %s\ninit %s\nsetup %s\n' \
	"$kpkg" "$kver" "$bbver" \
	"$(sha256sum <"$init_src" | cut -d' ' -f1)" \
	"$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)")
if [ -s "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] &&
	[ -r "$cache/vmlinuz" ] && [ -r "$cache/initramfs.cpio.gz" ]; then
	say "up to date: $kpkg $kver (cache $cache)"
	printf 'CUSEKIT_VM_READY %s\n' "$cache"
	exit 0
fi

say "building VM for $kpkg $kver, busybox-static $bbver in $cache"
rm -f "$stamp"
dl=$cache/debs
mkdir -p "$dl"

# apt-get download of "pkg=version"; the _apt sandbox cannot write into
# root-owned dirs, so warnings about "unsandboxed" downloads are expected.
fetch_deb() {
	local pkg=$1 ver=$2 f
	f=$(ls "$dl/${pkg}_"*.deb 2>/dev/null | while read -r d; do
		[ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"; done | head -n1)
	if [ -z "$f" ]; then
		say "downloading $pkg=$ver" >&2
		if ! (cd "$dl" && apt-get download -qq "$pkg=$ver" >/dev/null 2>&1); then
			apt_update_once >&2
			(cd "$dl" && apt-get download -qq "$pkg=$ver" >/dev/null) ||
				die "apt-get download $pkg=$ver failed"
		fi
		f=$(ls -t "$dl/${pkg}_"*.deb | head -n1)
	fi
	printf '%s\n' "$f"
}
kdeb=$(fetch_deb "$kpkg" "$kver")
bdeb=$(fetch_deb busybox-static "$bbver")
# Drop stale debs of other versions.
for d in "$dl"/*.deb; do
	[ "$d" = "$kdeb" ] || [ "$d" = "$bdeb" ] || rm -f "$d"
done

work=$cache/work
rm -rf "$work"
mkdir -p "$work/kernel" "$work/busybox"
say "extracting $(basename "$kdeb")"
dpkg-deb -x "$kdeb" "$work/kernel"
dpkg-deb -x "$bdeb" "$work/busybox"

vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $kdeb"
kabi=${vmlinuz##*/vmlinuz-}
moddir=
for d in "$work/kernel/lib/modules/$kabi" "$work/kernel/usr/lib/modules/$kabi"; do
	[ -d "$d" ] && moddir=$d && break
done
[ -n "$moddir" ] || die "no module dir for $kabi in $kdeb"
busybox=$work/busybox/bin/busybox
[ -x "$busybox" ] || busybox=$work/busybox/usr/bin/busybox
[ -x "$busybox" ] || die "no busybox binary in $bdeb"

# Build the initramfs tree.
root=$work/initramfs
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,host,job,lib/modules}
cp "$busybox" "$root/bin/busybox"
cp "$init_src" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# Find a module file (.ko / .ko.xz / .ko.zst / .ko.gz) by name; the kernel
# treats '-' and '_' alike in module names.
find_mod() {
	local n=$1 alt
	alt=$(printf '%s' "$n" | tr '_-' '-_')
	find "$moddir/kernel" \( -name "$n.ko" -o -name "$n.ko.*" -o -name "$alt.ko" -o -name "$alt.ko.*" \) \
		-print 2>/dev/null | head -n1
}
is_builtin() {
	local n=$1
	grep -Eq "/(${n}|$(printf '%s' "$n" | tr '_-' '-_')).ko\$" "$moddir/modules.builtin" 2>/dev/null
}

# Resolve dependencies with modinfo (modules.dep is not shipped in the .deb)
# and emit a load order, dependencies first.
declare -A seen=()
order=() extra_order=() mod_subdir=
mkdir -p "$root/lib/modules/extra"
builtin_mods=()
add_mod() {
	local n=$1 f deps d
	[ -n "${seen[$n]:-}" ] && return 0
	seen[$n]=1
	if is_builtin "$n"; then builtin_mods+=("$n"); return 0; fi
	f=$(find_mod "$n")
	[ -n "$f" ] || die "module $n neither built in nor shipped in $kpkg"
	deps=$(modinfo -F depends "$f" 2>/dev/null | tr ',' ' ')
	for d in $deps; do add_mod "$d"; done
	local out=$root/lib/modules/$mod_subdir$n.ko
	case $f in
	*.ko) cp "$f" "$out" ;;
	*.ko.xz) xz -dc "$f" >"$out" ;;
	*.ko.zst) zstd -qdc "$f" >"$out" ;;
	*.ko.gz) gzip -dc "$f" >"$out" ;;
	*) die "unknown module format: $f" ;;
	esac
	if [ -n "$mod_subdir" ]; then extra_order+=("$n"); else order+=("$n"); fi
}
# Top-level wants; helpers (netfs, fscache, virtio core, ...) come via deps.
for m in virtio_pci 9pnet_virtio 9p fuse cuse; do add_mod "$m"; done
printf '%s\n' "${order[@]}" >"$root/lib/modules/load-order"
say "modules (load order): ${order[*]}"
# The real drivers the differential suite compares against: not loaded at
# boot (the test loads them with its parameters), from /run/cusekit-vm/modules.
mod_subdir=extra/
for m in softdog i2c-dev i2c-stub evdev uinput; do add_mod "$m"; done
printf '%s\n' "${extra_order[@]}" >"$root/lib/modules/extra/load-order"
say "real drivers for the differential suite (load order): ${extra_order[*]}"
[ ${#builtin_mods[@]} -eq 0 ] || say "built in: ${builtin_mods[*]}"

cp "$vmlinuz" "$cache/vmlinuz.new"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -6) >"$cache/initramfs.cpio.gz.new"
mv -f "$cache/vmlinuz.new" "$cache/vmlinuz"
mv -f "$cache/initramfs.cpio.gz.new" "$cache/initramfs.cpio.gz"
printf '%s\n' "$kabi" >"$cache/kernel-release"
rm -rf "$work"
printf '%s\n' "$want_stamp" >"$stamp"
say "done: kernel $kabi ($kpkg $kver), initramfs $(du -h "$cache/initramfs.cpio.gz" | cut -f1)"
printf 'CUSEKIT_VM_READY %s\n' "$cache"
