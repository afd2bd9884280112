#!/usr/bin/env bash
# Developer build: compiles the core and the extension into build/dev and links the module into
# python/divergence/, so `PYTHONPATH=python python ...` uses the working tree. Serialised with a
# lock so that several shells can call it at once. Users install with `pip install .` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/divergence-dev-build.lock
flock 9
if [ ! -f build/dev/build.ninja ]; then
  cmake -S . -B build/dev -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -Dpybind11_DIR="$(python -c 'import pybind11; print(pybind11.get_cmake_dir())')" >/dev/null
fi
cmake --build build/dev
so=$(cd build/dev && ls _core*.so)
ln -sf "../../build/dev/$so" "python/divergence/$so"
