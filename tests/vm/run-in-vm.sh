#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs a command inside a VM booted on one of Debian's packaged kernels
# (Debian 12's 6.1 by default, or the 6.12 of bookworm's security and
# backports updates), under QEMU's software emulation (the host's /dev/kvm
# cannot run stock guest kernels). The kernel command line names the active
# LSMs (by default with the BPF LSM; --lsm without bpf for the Ubuntu-like
# case), and the guest refuses to run the command when the kernel's active
# list does not match what was asked. The guest's root is the host's root,
# read-only over 9p; this project is shared writable at the same path, so
# .output/ runs there unchanged. See usage below for exit codes.
set -u

usage() {
	cat <<EOF
usage: $0 [--kernel SERIES] [--lsm LIST] [--append ARGS] [--timeout SECS]
          [--verbose] [--rebuild] -- COMMAND...

Boots the VM, runs COMMAND with sh -c in $proj (one argument: a shell
command line; several: the words, each quoted), shows the console, powers off.
The environment inside is fixed, plus every PRIVWATCH_* variable given here,
plus PW_VM_KERNEL (the series booted) and PW_VM_LSM (the active LSM list).
  --kernel SERIES kernel series (default \$PRIVWATCH_VM_KERNEL or $default_series):
                    6.1   Debian 12's kernel (the linux-image-amd64 metapackage)
                    6.12  the linux-image-6.12-amd64 metapackage (bookworm updates)
                  other 6.N: the linux-image-6.N-amd64 metapackage, if apt has it
  --lsm LIST      the kernel's lsm= list (default \$PRIVWATCH_VM_LSM or
                  $default_lsm);
                  the VM fails (125) unless bpf is active exactly when LIST has it
  --append ARGS   more kernel arguments (default \$PRIVWATCH_VM_APPEND; not lsm=)
  --timeout SECS  kill the VM after SECS seconds (default \$PRIVWATCH_VM_TIMEOUT or 900)
  --verbose       show the kernel's boot messages
  --rebuild       download the kernel and rebuild the initramfs again
Exit: COMMAND's status; 124 on timeout; 125 if the VM could not run it.
Cache: \$PRIVWATCH_VM_CACHE, default $default_cache (one kernel per series,
named in current-SERIES)
Accelerator: \$PRIVWATCH_VM_ACCEL, default tcg
EOF
}

here=$(cd "$(dirname "$0")" && pwd -P)
proj=$(cd "$here/../.." && pwd -P)
if [ "$(id -u)" = 0 ]; then
	default_cache=/var/cache/privwatch-vm
else
	default_cache=${XDG_CACHE_HOME:-$HOME/.cache}/privwatch-vm
fi
cache=${PRIVWATCH_VM_CACHE:-$default_cache}
default_series=6.1
default_lsm=lockdown,capability,landlock,yama,apparmor,bpf
series=${PRIVWATCH_VM_KERNEL:-$default_series}
lsm=${PRIVWATCH_VM_LSM:-$default_lsm}
extra=${PRIVWATCH_VM_APPEND:-}
tmo=${PRIVWATCH_VM_TIMEOUT:-900}
verbose=0
rebuild=0

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) series=${2:-}; shift 2 || { usage >&2; exit 125; } ;;
	--kernel=*) series=${1#*=}; shift ;;
	--lsm) lsm=${2:-}; shift 2 || { usage >&2; exit 125; } ;;
	--lsm=*) lsm=${1#*=}; shift ;;
	--append) extra=${2-}; shift 2 || { usage >&2; exit 125; } ;;
	--append=*) extra=${1#*=}; shift ;;
	--timeout) tmo=${2:-}; shift 2 || { usage >&2; exit 125; } ;;
	--timeout=*) tmo=${1#*=}; shift ;;
	--verbose) verbose=1; shift ;;
	--rebuild) rebuild=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 125 ;;
	esac
done
if [ $# = 0 ] || ! [[ $tmo =~ ^[1-9][0-9]*$ ]] || ! [[ $series =~ ^[1-9][0-9]*\.[0-9]+$ ]] ||
	! [[ $lsm =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]]; then
	usage >&2
	exit 125
fi
# Another lsm= would overrule --lsm, and guest-init would check the wrong list.
if [[ " $extra" =~ [[:space:]]lsm= ]]; then
	echo "run-in-vm: give the LSM list with --lsm, not in --append" >&2
	exit 125
fi

say() { echo "run-in-vm: $*" >&2; }
infra() {
	say "infrastructure failure: $* (exit 125)"
	exit 125
}
# 'word' for sh, whatever the word holds
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# --- The kernel and initramfs, built once into the cache ------------------

deps="qemu-system-x86 busybox-static cpio kmod xz-utils zstd binutils"
# shellcheck disable=SC2086
"$proj/tests/install-deps.sh" $deps || infra "cannot install $deps"

# The metapackage that follows a series: Debian 12's default kernel is 6.1;
# newer series come as linux-image-6.N-amd64 (6.12: bookworm's updates).
if [ "$series" = 6.1 ]; then
	meta=linux-image-amd64
else
	meta=linux-image-$series-amd64
fi

# The versioned package the metapackage points at (linux-image-6.1.0-N-amd64,
# linux-image-6.12.N+deb12-amd64).
kernel_package() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1
}

# Downloads and unpacks $1 into $2/root; true if it holds boot/vmlinuz-$3.
unpack_kernel() { # package dir kver
	local deb
	rm -rf "${2:?}"/*.deb "$2/root"
	(cd "$2" && apt-get download -qq -o APT::Sandbox::User=root "$1" >/dev/null 2>&1) || return 1
	deb=$(ls "$2"/*.deb) || return 1
	dpkg-deb -x "$deb" "$2/root" || return 1
	basename "$deb" .deb >"$2/name"
	rm -f "$deb"
	[ -f "$2/root/boot/vmlinuz-$3" ]
}

fetch_kernel() { # -> $cache/<deb name>/{root/,ok}, named in $cache/current-$series
	local pkg tmp name kver
	pkg=$(kernel_package)
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null || infra "apt-get update failed"
		pkg=$(kernel_package)
	fi
	[ -n "$pkg" ] || infra "$meta names no versioned kernel package (is it in apt's sources?)"
	kver=${pkg#linux-image-}
	[[ $kver == "$series".* ]] || infra "$meta points at $pkg, not a $series kernel"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX") || infra "cannot write to $cache"
	# The signed package, or else its -unsigned twin (the same kernel and
	# modules, the image not signed for Secure Boot).
	say "fetching $pkg (once; cached in $cache)"
	if ! unpack_kernel "$pkg" "$tmp" "$kver"; then
		say "$pkg: no download or no boot/vmlinuz-$kver; trying $pkg-unsigned"
		unpack_kernel "$pkg-unsigned" "$tmp" "$kver" ||
			infra "neither $pkg nor $pkg-unsigned gave boot/vmlinuz-$kver"
	fi
	read -r name <"$tmp/name"
	# The package ships no modules.dep (its postinst makes it): make it here.
	depmod -b "$tmp/root" "$kver" || infra "depmod for $kver failed"
	echo "$kver" >"$tmp/kver"
	touch "$tmp/ok"
	chmod 755 "$tmp"
	rm -rf "${cache:?}/$name"
	mv "$tmp" "$cache/$name" || infra "cannot move the kernel into $cache/$name"
	echo "$name" >"$cache/current-$series"
	# Earlier versions of this script, one kernel only, read "current".
	[ "$series" != 6.1 ] || echo "$name" >"$cache/current"
}

# The kernel's ELF image, for QEMU's PVH entry: under TCG, unpacking the
# compressed bzImage took 5 of the 11 seconds of a boot. Debian's 6.1 packs
# it with xz, 6.12 with zstd; the first stream that unpacks to an ELF image
# with a PVH entry point is the kernel.
extract_vmlinux() { # vmlinuz out
	local magic tool off
	for magic in $'\xfd7zXZ':xz $'\x28\xb5\x2f\xfd':zstd; do
		tool=${magic##*:}
		for off in $(LC_ALL=C grep -aboF "${magic%:*}" "$1" | head -3 | cut -d: -f1); do
			# It complains about what follows the stream: the image is whole.
			tail -c +$((off + 1)) "$1" | "$tool" -dc 2>/dev/null >"$2.new"
			# PVH entry point: Xen ELF note 18 (XEN_ELFNOTE_PHYS32_ENTRY)
			if readelf -n "$2.new" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
				mv "$2.new" "$2"
				return 0
			fi
		done
	done
	rm -f "$2.new"
	return 1
}

build_initramfs() { # kdir kver out
	local kdir=$1 kver=$2 out=$3 s mods m name path d
	local -A seen=()
	local order=()
	mods=$kdir/root/lib/modules/$kver
	s=$(mktemp -d "$cache/.initramfs.XXXXXX") || infra "cannot write to $cache"
	mkdir -p "$s/bin" "$s/dev" "$s/proc" "$s/lib/modules"
	cp /bin/busybox "$s/bin/busybox" || infra "no /bin/busybox (busybox-static)"
	ln -s busybox "$s/bin/sh" # the interpreter of /init
	install -m 755 "$here/guest-init" "$s/init"
	install -m 755 "$here/guest-run" "$s/guest-run"
	mknod "$s/dev/console" c 5 1 2>/dev/null || true
	# Load order: each module after what modules.dep says it needs.
	add() {
		local p=$1 dep
		[ -n "${seen[$p]:-}" ] && return
		seen[$p]=1
		for dep in $(awk -F': *' -v p="$p" '$1 == p { print $2 }' "$mods/modules.dep"); do
			add "$dep"
		done
		order+=("$p")
	}
	# Debian's 6.12 builds virtio_pci into the kernel (modules.builtin):
	# nothing to load then.
	for name in virtio_pci 9pnet_virtio 9p; do
		if awk -v n="/$name.ko" 'substr($0, length($0) - length(n) + 1) == n { f = 1 }
			END { exit !f }' "$mods/modules.builtin" 2>/dev/null; then
			continue
		fi
		# 6.12's modules are name.ko.xz, 6.1's name.ko.
		path=$(awk -F: -v n="/$name.ko" '{ p = $1; sub(/\.(xz|gz|zst)$/, "", p) }
			substr(p, length(p) - length(n) + 1) == n { print $1; exit }' "$mods/modules.dep")
		[ -n "$path" ] || infra "module $name neither built in nor found in $mods"
		add "$path"
	done
	: >"$s/modules"
	# busybox insmod reads plain .ko files only: compressed ones are unpacked.
	for m in "${order[@]}"; do
		d=$s/lib/modules/$(dirname "$m")
		mkdir -p "$d" || infra "cannot make $d"
		case $m in
		*.ko.xz) xz -dc "$mods/$m" >"$s/lib/modules/${m%.xz}" ;;
		*.ko.gz) gzip -dc "$mods/$m" >"$s/lib/modules/${m%.gz}" ;;
		*.ko.zst) zstd -qdc "$mods/$m" >"$s/lib/modules/${m%.zst}" ;;
		*) cp "$mods/$m" "$d/" ;;
		esac || infra "cannot copy module $m"
		echo "${m%.ko*}.ko" >>"$s/modules"
	done
	(cd "$s" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.new" ||
		infra "cannot build the initramfs"
	# Others' (made by other versions of these scripts, maybe in use by
	# another worktree) go once unused for a day.
	find "$kdir" -maxdepth 1 -name 'initramfs-*.cpio.gz' -mtime +0 -delete
	mv "$out.new" "$out"
	rm -rf "$s"
}

mkdir -p "$cache" || infra "cannot create $cache"
exec 9>"$cache/.lock" && flock 9 || infra "cannot lock $cache/.lock"
rm -rf "$cache"/.fetch.* "$cache"/.initramfs.* # left by an interrupted build
# A 6.1 cached by earlier versions of this script, named in "current", is
# this series' kernel: no second download.
if [ "$series" = 6.1 ] && [ ! -e "$cache/current-6.1" ] &&
	read -r kname 2>/dev/null <"$cache/current" && [ -e "$cache/$kname/ok" ] &&
	read -r kver 2>/dev/null <"$cache/$kname/kver" && [[ $kver == 6.1.* ]]; then
	echo "$kname" >"$cache/current-6.1"
fi
if [ "$rebuild" = 1 ] || ! read -r kname 2>/dev/null <"$cache/current-$series" ||
	[ ! -e "$cache/$kname/ok" ]; then
	fetch_kernel
	read -r kname <"$cache/current-$series"
fi
kdir=$cache/$kname
read -r kver <"$kdir/kver"
# The initramfs is named by what makes it, so a changed script
# or busybox makes a new one.
ihash=$(cat "$here/run-in-vm.sh" "$here/guest-init" "$here/guest-run" /bin/busybox | sha256sum | cut -c1-16)
initrd=$kdir/initramfs-$ihash.cpio.gz
if [ "$rebuild" = 1 ] || [ ! -s "$initrd" ]; then
	build_initramfs "$kdir" "$kver" "$initrd"
fi
touch "$initrd" # in use: not removed as stale by another version's build
kernel=$kdir/vmlinux
if [ ! -s "$kernel" ] && [ ! -e "$kdir/no-vmlinux" ]; then
	extract_vmlinux "$kdir/root/boot/vmlinuz-$kver" "$kernel" || touch "$kdir/no-vmlinux"
fi
[ -s "$kernel" ] || kernel=$kdir/root/boot/vmlinuz-$kver # boots too, only slower
exec 9>&- # the lock guards the cache only, not the run

# --- The run ---------------------------------------------------------------

run=$(mktemp -d "${TMPDIR:-/tmp}/privwatch-vm.XXXXXX") || infra "cannot make a run directory"
mkdir "$run/share"
qpid="" # the timeout process that runs qemu
cleanup() {
	local p
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null
	fi
	# Never leave the VM behind: qemu by its own pid file too.
	if read -r p 2>/dev/null <"$run/qemu.pid" && kill -0 "$p" 2>/dev/null; then
		kill -TERM "$p" 2>/dev/null
		sleep 1
		kill -KILL "$p" 2>/dev/null
	fi
	rm -rf "$run"
}
trap cleanup EXIT
trap 'say "interrupted: VM stopped"; exit 130' INT
trap 'say "terminated: VM stopped"; exit 143' TERM HUP

{
	echo "PW_PROJECT=$(shq "$proj")"
	echo "PW_KROOT=$(shq "$kdir/root")"
	# guest-init compares the kernel's active LSMs with this list.
	echo "PW_VM_LSM_ASKED=$(shq "$lsm")"
	echo "export PW_VM_KERNEL=$(shq "$series")"
	# The project's own knobs (PRIVWATCH_SUITE_TIMEOUT, ...) reach the command.
	for v in $(compgen -e | grep '^PRIVWATCH_'); do
		echo "export $v=$(shq "${!v}")"
	done
} >"$run/share/env"
if [ $# = 1 ]; then
	printf '%s\n' "$1" >"$run/share/cmd"
else
	for w in "$@"; do printf '%s ' "$(shq "$w")"; done >"$run/share/cmd"
	echo >>"$run/share/cmd"
fi

append="console=ttyS0 lsm=$lsm panic=-1"
[ "$verbose" = 1 ] || append="$append quiet"
[ -z "$extra" ] || append="$append $extra"
shares=()
share() { # tag path [options]; commas in QEMU option values are doubled
	shares+=(-fsdev "local,id=$1,path=${2//,/,,},security_model=none,multidevs=remap${3:+,$3}"
		-device "virtio-9p-pci,fsdev=$1,mount_tag=$1")
}
share hostroot / readonly=on
share project "$proj"
share share "$run/share"
start=$(date +%s%N)
# A thread per vCPU (QEMU 7.2's default for x86). Tried and reverted: one
# TCG thread for both (tcg,thread=single), after a 6.12 guest oopsed once on
# an int3 of its own text patching (tracepoint static keys flipped while an
# agent attached); in the next full run the host-reading worker's /proc
# reads passed their 5 s and 15 s deadlines in the VM (2 failures where the
# thread per vCPU had none). PRIVWATCH_VM_ACCEL chooses.
timeout -k 5 "$tmo" qemu-system-x86_64 \
	-accel "${PRIVWATCH_VM_ACCEL:-tcg}" -cpu max -m 2G -smp 2 \
	-nodefaults -nographic -no-reboot -bios qboot.rom \
	-chardev "stdio,id=con,signal=off,logfile=$run/console.log" -serial chardev:con \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	"${shares[@]}" -pidfile "$run/qemu.pid" </dev/null &
qpid=$!
wait "$qpid"
qrc=$?
qpid=""
ms=$((($(date +%s%N) - start) / 1000000))
secs=$((ms / 1000)).$((ms % 1000 / 100))

# timeout says 124, or 137 when qemu needed its KILL
if [ "$qrc" = 124 ] || { [ "$qrc" = 137 ] && [ "$ms" -ge $((tmo * 1000)) ]; }; then
	say "timed out after $tmo s: VM killed (exit 124)"
	exit 124
fi
if read -r rc 2>/dev/null <"$run/share/status" && [[ $rc =~ ^[0-9]+$ ]]; then
	say "command exited $rc (VM ran ${secs}s on $kver)"
	exit "$rc"
fi
why=$(grep -a 'privwatch-vm: FAIL:' "$run/console.log" 2>/dev/null | tail -1 | tr -d '\r')
why=${why#*FAIL: }
# What the guest kernel said of its trouble, so the failure has a cause.
grep -a -E 'Oops|BUG:|Kernel panic|RIP:|general protection|soft lockup|blocked for more than' \
	"$run/console.log" 2>/dev/null | head -6 | tr -d '\r' | while IFS= read -r l; do
	say "console: $l"
done
infra "${why:-no status from the guest (qemu exited $qrc: kernel panic or boot failure?)}"
