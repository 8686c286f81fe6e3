#!/bin/bash
# The WebGPU benchmark on a machine with a GPU but no browser and no registry (the Node bench:
# scripts/bench-node-webgpu.mjs). Two steps:
#   bash scripts/bench-offline-gpu.sh pack   # here, after `npm install --no-save webgpu@0.6.2`:
#                                           # .gpu/ = Node binary (xz), Dawn bindings, bundled bench
#   bash scripts/bench-offline-gpu.sh run    # there, from the repository root, with .gpu/ and
#                                           # public/models/ copied along; OUT=folder for the results
# `run` unpacks optional Vulkan loader .debs from .gl/ first (a bare CUDA image has no libvulkan).
set -euo pipefail
case "${1:-}" in
pack)
  mkdir -p .gpu
  node scripts/bench-node-webgpu.mjs --build-only --out .gpu/bench.mjs
  xz -T0 -6 -c "$(command -v node)" > .gpu/node.xz
  tar cJf .gpu/webgpu.tar.xz -C node_modules webgpu/index.js webgpu/package.json webgpu/LICENSE.md webgpu/dist/linux-x64
  du -sh .gpu
  ;;
run)
  OUT=${OUT:-bench-out}; mkdir -p "$OUT"
  exec > >(tee -a "$OUT/log") 2>&1
  if compgen -G '.gl/*.deb' > /dev/null; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
  mkdir -p /tmp/bench-node && xz -dc .gpu/node.xz > /tmp/bench-node/node && chmod +x /tmp/bench-node/node
  mkdir -p .gpu/node_modules && tar xJf .gpu/webgpu.tar.xz -C .gpu/node_modules
  node=/tmp/bench-node/node
  probe='import {create,globals} from "webgpu"; Object.assign(globalThis,globals); const a=await create([]).requestAdapter({powerPreference:"high-performance"}); console.log(a ? [a.info.vendor,a.info.architecture,a.info.description].join(" ") : "no adapter");'
  info=$(cd .gpu && "$node" --input-type=module -e "$probe" 2>&1 || true); echo "adapter: $info"
  if [[ "$info" == "no adapter"* || "$info" == *rror* ]] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    info=$(cd .gpu && "$node" --input-type=module -e "$probe" 2>&1 || true); echo "adapter with the NVIDIA ICD: $info"
  fi
  MODELS_DIR=public/models timeout "${BENCH_TIMEOUT:-600}" "$node" .gpu/bench.mjs > "$OUT/gpu.json"
  cat "$OUT/gpu.json"
  ;;
*) echo "usage: bash scripts/bench-offline-gpu.sh pack|run" >&2; exit 2 ;;
esac
