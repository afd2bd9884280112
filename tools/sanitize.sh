#!/usr/bin/env bash
# The sanitizer job (CI, .ci/run): the core, its per-area C++ tests and the extension built with
# AddressSanitizer + UndefinedBehaviorSanitizer (CMake option DIVERGENCE_SANITIZE=ON, GCC or
# Clang), in a build directory of its own; then
#   1. the per-area C++ tests (ctest), leak checking on;
#   2. a fast subset of the Python tests against the sanitized extension: a temporary package
#      directory holds links to python/divergence/* and the sanitized _core*.so, and comes first
#      on PYTHONPATH (the installed package and python/divergence/*.so are not touched);
#      libasan (and libstdc++) are preloaded (python itself is not instrumented) and leak checking is off
#      (Python leaks by design).
# Any sanitizer report aborts the process, so it fails the job.
#
#   bash tools/sanitize.sh [build-dir]     # default: a temporary directory, removed at the end
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ $# -ge 1 ]; then
  build=$1
  keep=1
else
  build=$(mktemp -d)
  keep=0
fi
pkg=$(mktemp -d)
cleanup() {
  rm -rf "$pkg"
  if [ "$keep" = 0 ]; then rm -rf "$build"; fi
}
trap cleanup EXIT

t0=$SECONDS
cmake -S . -B "$build" -DDIVERGENCE_SANITIZE=ON -DDIVERGENCE_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -Dpybind11_DIR="$(python -c 'import pybind11; print(pybind11.get_cmake_dir())')" >/dev/null
cmake --build "$build" -j 2 >/dev/null
echo "sanitize: built core, tests and extension with -fsanitize=address,undefined in $((SECONDS - t0)) s"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1
(cd "$build" && ctest --output-on-failure)

# The Python tests against the sanitized extension.
mkdir "$pkg/divergence"
for entry in python/divergence/*; do
  case "$(basename "$entry")" in
    _core*.so | __pycache__) ;;
    *) ln -s "$root/$entry" "$pkg/divergence/" ;;
  esac
done
cp "$build"/_core*.so "$pkg/divergence/"
# libstdc++ preloaded too: otherwise ASan's __cxa_throw interceptor finds no real __cxa_throw
# (python does not link libstdc++) and the first C++ exception aborts with "CHECK failed".
preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export PYTHONPATH="$pkg" PYTHONDONTWRITEBYTECODE=1 LD_PRELOAD="$preload"
python -c "import sys, divergence._core as c; assert c.__file__.startswith(sys.argv[1]), c.__file__" "$pkg"
t1=$SECONDS
python -m pytest -q -p no:cacheprovider -m "not slow" \
  tests/test_pairwise_reference.py tests/test_tokenize.py tests/test_drift.py tests/test_partisan.py
echo "sanitize: Python tests against the ASan+UBSan extension: clean in $((SECONDS - t1)) s"
