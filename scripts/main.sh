#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs `freelunch reproduce` (the quick suite
# unless flags say otherwise): every claim of the paper tested, the report written to
# results/reproduce/<suite>/report/index.md and index.html, the verdict table printed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/freelunch reproduce "$@"
