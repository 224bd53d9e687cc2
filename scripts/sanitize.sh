#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of freelunch and its test suite in
# build-asan/ (g++, -O2 -g, benchmarks off), then a run of the test binary. The CLI tests run
# the instrumented build-asan/freelunch too. Any sanitizer report fails the run.
#
# Usage: scripts/sanitize.sh [--torch-free | --quick | --filter GTEST_FILTER] [--jobs N] [--build-only]
#   --torch-free   build and run only the torch-free part: src/core (config, safetensors, atomic
#                  files), src/tasks, model/run configs, evaluation sets and data sources, the
#                  export/import of src/interchange, with their tests (tests/core, tests/tasks,
#                  tests/interchange but its CLI test), compiled directly into
#                  build-asan/torch-free/ (no CMake, no libtorch: minutes, not the full build)
#   --quick        the full build, but only the torch-free tests
#   --filter F     the full build and a GoogleTest filter, e.g. 'Config*:Safetensors*'
#                  (default: every test)
#   --jobs N       parallel compile jobs (default 2)
#   --build-only   build, do not run
#
# libtorch, OpenBLAS and libgomp are not instrumented: ASan still checks every access our code
# makes (also into their buffers), but not their internals. Leak detection is off in the full
# build (detect_leaks=0) because libtorch and OpenBLAS keep process-lifetime allocations
# (operator registries, thread pools) that LeakSanitizer reports at exit; --torch-free and
# scripts/fuzz.sh check the torch-free code for leaks. UBSan's vptr check is suppressed (scripts/ubsan.supp)
# for libtorch's own types, whose type_info is not unique across its shared libraries.
set -euo pipefail
cd "$(dirname "$0")/.."

quick='Config*:Safetensors*:SafetensorsDType*:AtomicFileTest*:CopyTask*:Vocab*:DatasetTask*:LisTask*:'
quick+='EditDistanceTask*:ArithmeticTask*:DpTasks*:NgramLookup*:Lookup*:AssocRecall*:LocalDp*:InputValidation*:'
quick+='TaskInputValidation*:InputFiles*:ShippedConfigs*:ModelFamily*:GgufExport*:HfExport*:ForeignCheckpoint*'
filter='*'
jobs=2
build_only=0
torch_free=0
while (($#)); do
  case "$1" in
    --torch-free) torch_free=1; shift ;;
    --quick) filter=$quick; shift ;;
    --filter) filter=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "sanitize.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# Leaks are checked where libtorch is absent (see above).
export ASAN_OPTIONS=detect_leaks=$torch_free:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$PWD/scripts/ubsan.supp

start=$SECONDS
sanitizers="-fsanitize=address,undefined -fno-omit-frame-pointer"

if ((torch_free)); then
  out=build-asan/torch-free
  mkdir -p "$out/obj"
  # g++'s "undefined" leaves out float-cast-overflow (clang's includes it): added here, where
  # no libtorch header is compiled.
  sanitizers+=" -fsanitize=float-cast-overflow"
  flags=(-std=c++17 -O1 -g -D_GLIBCXX_USE_CXX11_ABI=1 -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1
         "-DFREELUNCH_SOURCE_DIR=\"$PWD\"" -Isrc -Itests $sanitizers)
  sources=(src/core/atomic_file.cpp src/core/config.cpp src/core/json_duplicate_keys.cpp src/core/memory_budget.cpp
           src/core/safetensors.cpp src/core/output_path.cpp src/core/progress.cpp src/models/model_config.cpp
           src/kernels/attention_positions.cpp
           src/interchange/*.cpp
           src/train/run_config.cpp src/data/data_source.cpp src/data/eval_set.cpp src/tasks/*.cpp
           tests/support/fixtures.cpp tests/support/small_dataset.cpp tests/core/test_config.cpp
           tests/core/test_safetensors.cpp tests/core/test_atomic_file.cpp tests/core/test_input_validation.cpp
           tests/core/test_input_files.cpp tests/models/test_model_family.cpp tests/tasks/*.cpp
           tests/interchange/gguf_reader.cpp tests/interchange/export_fixture.cpp
           tests/interchange/test_gguf_export.cpp tests/interchange/test_hf_export.cpp
           tests/interchange/test_foreign_checkpoint.cpp)
  running=0
  objects=()  # only this list's objects: a stale one of a moved source would be linked twice
  for src in "${sources[@]}"; do
    obj="$out/obj/$(echo "${src%.cpp}" | tr / _).o"
    objects+=("$obj")
    [[ -f $obj && ! $src -nt $obj && ! $0 -nt $obj && -z $(find src tests -name '*.h' -newer "$obj" -print -quit) ]] &&
      continue
    echo "sanitize.sh: compiling $src" >&2
    g++ "${flags[@]}" -c "$src" -o "$obj" &
    if ((++running >= jobs)); then wait -n; ((running--)); fi  # a failed compile stops the script
  done
  while ((running > 0)); do wait -n; ((running--)); done
  g++ $sanitizers "${objects[@]}" -o "$out/tests" -lgtest -lgtest_main -ltomlplusplus -lpthread
  echo "sanitize.sh: build took $((SECONDS - start)) s" >&2
  ((build_only)) && exit 0
  start=$SECONDS
  set +e
  "$out/tests" --gtest_brief=1
  code=$?
  set -e
  echo "sanitize.sh: torch-free tests took $((SECONDS - start)) s, exit $code" >&2
  exit $code
fi

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DFREELUNCH_BENCH=OFF \
      -DCMAKE_CXX_FLAGS="$sanitizers -g" -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" >/dev/null
cmake --build build-asan -j "$jobs"
echo "sanitize.sh: build took $((SECONDS - start)) s" >&2
((build_only)) && exit 0

start=$SECONDS
set +e
build-asan/freelunch_tests --gtest_filter="$filter" --gtest_brief=1
code=$?
set -e
echo "sanitize.sh: tests ($filter) took $((SECONDS - start)) s, exit $code" >&2
exit $code
