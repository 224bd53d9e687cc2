#!/usr/bin/env bash
# Installs freelunch's Debian dependencies, only those missing. Idempotent; run as root.
# Usage: scripts/setup.sh   (python3-torch serves reference/, the PyTorch mirror used by the tests, and
# torchrun; libgloo-dev holds the Gloo headers that libtorch's ProcessGroupGloo.hpp includes;
# postgresql-15 serves the tests of the PostgreSQL sweep store, which start servers of their own)
set -euo pipefail

packages=(build-essential cmake ninja-build libtorch-dev libopenblas-openmp-dev gnuplot-nox libsqlite3-dev
          libpq-dev pkgconf postgresql-15
          clang-14 libclang-rt-14-dev
          libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libgtest-dev libbenchmark-dev python3-torch
          libgloo-dev)
packages+=(slurmctld slurmd slurm-client munge)  # a one-node SLURM for tests/cli/test_slurm_array.cpp


missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The OpenMP OpenBLAS must own libblas.so.3/liblapack.so.3: the pthread variant fights
# libtorch's OpenMP pool (2-3x slower training), and wins the alternative by priority if present.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
  target=$(update-alternatives --list "$lib-$arch" 2>/dev/null | grep openblas-openmp || true)
  if [[ -n "$target" && "$(readlink -f /etc/alternatives/$lib-$arch)" != "$(readlink -f "$target")" ]]; then
    [[ $(id -u) == 0 ]] || { echo "setup: need root to select $target" >&2; exit 1; }
    update-alternatives --quiet --set "$lib-$arch" "$target"
  fi
done
echo "setup: dependencies ready"
