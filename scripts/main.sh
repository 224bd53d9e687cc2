#!/usr/bin/env bash
# The main job: installs what is missing, builds, then trains a small Transformer and a small
# Mamba on COPY with the same budget and prints their accuracy per length side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/freelunch compare configs/copy-transformer.toml configs/copy-mamba.toml --out runs/copy-compare "$@"
