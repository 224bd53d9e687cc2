#!/usr/bin/env bash
# Runs CI (.ci/run: the README's test command scripts/test.sh, then the torch-free sanitizer
# build and a short fuzz run) from a clean clone of HEAD on a fresh Debian 12 (bookworm) system
# where none of freelunch's packages is installed: a minimal debootstrap chroot. Run as root.
#
# Usage: scripts/fresh-machine-check.sh [--base DIR] [--keep-mounts]
#   --base DIR     the pristine chroot, made with debootstrap when missing and never modified
#                  afterwards (default /work/chroot/bookworm)
#   --keep-mounts  leave proc/sys/dev mounted in the run tree afterwards (to look around with chroot)
#
# Each check copies the pristine chroot to DIR-run (deleted first, kept afterwards), clones HEAD
# into DIR-run/root/freelunch (committed files only: uncommitted changes are not checked) and runs
# .ci/run there with an empty environment (no locale, no TERM, PATH of a root login), so
# scripts/setup.sh installs every package itself. Downloaded .deb files are kept in
# DIR-apt-archives between checks (a download cache only: every check installs from scratch).
# Every output line is prefixed with the time since the start (mm:ss); the log is DIR-run.log.
# The chroot's apt sources are those of a stock bookworm (bookworm, bookworm-updates,
# bookworm-security) on the mirror this machine's apt uses (deb.debian.org by default).
set -euo pipefail
cd "$(dirname "$0")/.."

base=/work/chroot/bookworm
keep_mounts=0
while (($#)); do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --keep-mounts) keep_mounts=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "fresh-machine-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "fresh-machine-check: run as root (debootstrap, chroot, mounts)" >&2; exit 1; }
base=$(realpath -m "$base")
run=$base-run
archives=$base-apt-archives
log=$run.log
repo=$PWD
head=$(git rev-parse HEAD)
[[ -z $(git status --porcelain --untracked-files=no) ]] ||
  echo "fresh-machine-check: note: uncommitted changes are not part of the check (it clones HEAD $head)" >&2

# The Debian mirror this machine's apt uses (first debian URI), else deb.debian.org.
mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ \
           2>/dev/null | grep -oE 'https?://[^ ]+' | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}

start=$SECONDS
stamp() { while IFS= read -r line; do printf '[%02d:%02d] %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$line"; done; }

if [[ ! -x $base/usr/bin/apt-get ]]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  echo "fresh-machine-check: debootstrap --variant=minbase bookworm $base $mirror"
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" "$mirror" 2>&1 | stamp
  security=${mirror%/debian}/debian-security
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
    "$mirror" "$mirror" "$security" >"$base/etc/apt/sources.list"
fi

mounts=()
unmount_all() {
  ((keep_mounts)) && return
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
}
trap unmount_all EXIT
bind() {  # bind <source> <target>
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounts+=("$2")
}

# A previous check's tree, unmounted first (--keep-mounts) so rm cannot reach the host's /dev.
for m in dev/shm dev/pts dev sys proc var/cache/apt/archives; do
  mountpoint -q "$run/$m" 2>/dev/null && umount -l "$run/$m"
done
rm -rf "$run"
echo "fresh-machine-check: copying $base → $run" | stamp
cp -a "$base" "$run"
cp /etc/resolv.conf "$run/etc/resolv.conf"
mkdir -p "$archives/partial"
bind "$archives" "$run/var/cache/apt/archives"
mount -t proc proc "$run/proc" && mounts+=("$run/proc")
mount -t sysfs sysfs "$run/sys" && mounts+=("$run/sys")
bind /dev "$run/dev"
bind /dev/pts "$run/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$run/dev/shm" && mounts+=("$run/dev/shm")
# apt in the chroot keeps the .debs (a stock Debian's docker-clean hook would delete them).
rm -f "$run/etc/apt/apt.conf.d/docker-clean"

echo "fresh-machine-check: cloning $head into $run/root/freelunch" | stamp
git clone --quiet --no-hardlinks "$repo" "$run/root/freelunch"
git -C "$run/root/freelunch" checkout --quiet --detach "$head"

echo "fresh-machine-check: running .ci/run in the chroot (log: $log)" | stamp
set +e
chroot "$run" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash -c 'cd /root/freelunch && .ci/run' 2>&1 | stamp | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo "fresh-machine-check: .ci/run exited with $status after $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s" |
  stamp | tee -a "$log"
exit "$status"
