#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ into build-fuzz/ (clang 14, AddressSanitizer and
# UndefinedBehaviorSanitizer; torch-free sources only) and runs each for a fixed number of
# executions, starting from the seed corpora in fuzz/corpus/ (new inputs go to
# build-fuzz/corpus/, so the repository's seeds stay as they are).
#
# Usage: scripts/fuzz.sh [--runs N] [--only NAME]... [--build-only]
#   --runs N      executions per target (default 200000; env FUZZ_RUNS)
#   --only NAME   run only this target: safetensors, config, dataset, task_<task name>
#                 (e.g. task_lis), or "tasks" for every task; repeatable
#   --build-only  build, do not run
# Targets: safetensors (fl::safetensors::parse), config (TOML/JSON + --set through
# RunConfig), dataset (the dataset task's JSONL and vocabulary files), task_<name> (one per
# task: parameter checks, sample_at, the verifier, the vocabulary's prompt parser).
# Prints one line per target: executions, seconds, findings. A finding (crash, sanitizer
# report, timeout, out-of-memory, leak) leaves its input in build-fuzz/artifacts/<target>/;
# replay it with build-fuzz/fuzz_<x> <file> (FUZZ_TASK=<name> for the task targets); the log of
# each run is build-fuzz/<target>.log. Exit status 1 if any target had a finding.
# Needs clang-14 and libclang-rt-14-dev (Debian), nlohmann-json3-dev and libtomlplusplus-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${FUZZ_RUNS:-200000}
only=()
build_only=0
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --runs needs a number, got '$runs'" >&2; exit 2; }

cxx=${FUZZ_CXX:-clang++-14}
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
out=build-fuzz
sanitizers=-fsanitize=address,undefined
# toml++ is linked as Debian's shared library, as freelunch ships it, not compiled header-only:
# instrumented, toml++ 3.3.0 stops every run on two known upstream bugs (a debug assertion on
# "[ = 6", marzer/tomlplusplus#294; __builtin_unreachable reached for some non-ASCII letters,
# #295) that the release library turns into ordinary parse errors (tests/core/test_input_validation.cpp).
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -D_GLIBCXX_USE_CXX11_ABI=1 -DTOML_HEADER_ONLY=0
       -DTOML_SHARED_LIB=1 -Isrc "$sanitizers" -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined)

# The torch-free sources the targets reach: configs, safetensors, tasks, model/run configs.
sources=(src/core/atomic_file.cpp src/core/config.cpp src/core/json_duplicate_keys.cpp src/core/memory_budget.cpp
         src/core/safetensors.cpp src/models/model_config.cpp src/kernels/attention_positions.cpp src/train/run_config.cpp
         src/tasks/*.cpp)
objects=()
mkdir -p "$out/obj"
for src in "${sources[@]}"; do
  obj="$out/obj/$(echo "${src%.cpp}" | tr / _).o"
  objects+=("$obj")
  # Rebuilt when the source or any project header is newer (coarse, but these are few and small).
  if [[ ! -f $obj || $src -nt $obj || $0 -nt $obj || -n $(find src -name '*.h' -newer "$obj" -print -quit) ]]; then
    echo "fuzz.sh: compiling $src" >&2
    "$cxx" "${flags[@]}" -c "$src" -o "$obj"
  fi
done
for target in safetensors config dataset tasks; do
  bin="$out/fuzz_$target"
  if [[ ! -f $bin || fuzz/fuzz_$target.cpp -nt $bin || -n $(find "${objects[@]}" -newer "$bin" -print -quit) ]]; then
    echo "fuzz.sh: linking $bin" >&2
    "$cxx" "${flags[@]}" -fsanitize=fuzzer "fuzz/fuzz_$target.cpp" "${objects[@]}" -o "$bin" -ltomlplusplus
  fi
done
((build_only)) && exit 0

# Temporary files of the targets (configs, JSONL) go to memory when possible.
[[ -d /dev/shm && -w /dev/shm ]] && export TMPDIR=/dev/shm
tasks=(copy prefix_ngram suffix_ngram lookup assoc_recall local_dp lis edit_distance arithmetic dataset)
all=(safetensors config dataset)
for t in "${tasks[@]}"; do all+=("task_$t"); done
selected=()
if ((${#only[@]})); then
  for name in "${only[@]}"; do
    if [[ $name == tasks ]]; then for t in "${tasks[@]}"; do selected+=("task_$t"); done
    elif [[ " ${all[*]} " == *" $name "* ]]; then selected+=("$name")
    else echo "fuzz.sh: unknown target '$name' (known: ${all[*]} tasks)" >&2; exit 2
    fi
  done
else
  selected=("${all[@]}")
fi

status=0
printf '%-22s %12s %9s %9s\n' target executions seconds findings
for name in "${selected[@]}"; do
  bin=$out/fuzz_$name max_len=4096
  if [[ $name == task_* ]]; then bin=$out/fuzz_tasks max_len=512; export FUZZ_TASK=${name#task_}; fi
  rm -rf "$out/artifacts/$name"  # findings of this run only
  mkdir -p "$out/corpus/$name" "$out/artifacts/$name"
  dict=()
  [[ $name == task_* ]] || dict=(-dict=fuzz/json.dict)
  log="$out/$name.log"
  start=$SECONDS
  set +e
  "$bin" -runs="$runs" -timeout=60 -rss_limit_mb=4096 -max_len="$max_len" -print_final_stats=1 \
         "${dict[@]}" -artifact_prefix="$out/artifacts/$name/" "$out/corpus/$name" "fuzz/corpus/$name" \
         >"$log" 2>&1
  code=$?
  set -e
  unset FUZZ_TASK
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  findings=$(find "$out/artifacts/$name" -type f | wc -l)
  if ((code != 0 && findings == 0)); then findings="exit $code"; fi
  printf '%-22s %12s %9s %9s\n' "$name" "${executions:-?}" $((SECONDS - start)) "$findings"
  if [[ $findings != 0 ]]; then
    status=1
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/    /' || true
  fi
done
exit $status
