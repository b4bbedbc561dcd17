#!/usr/bin/env bash
# Runs FedActors' benchmark figures on a GPU machine that has PyTorch but no .NET and no package registry.
#
#   tools/gpu-kit.sh pack            # here: self-contained publish of tools/FedActors.Bench without libtorch's
#                                    # CPU natives, compressed to gpu-kit/bench.tar.gz (about 38 MB; gitignored)
#   tools/gpu-kit.sh run [ARGS...]   # there: unpack, point the native loader at PyTorch's torch/lib, run
#                                    # FedActors.Bench ARGS (default: the SimCLR GPU figure, see below)
#
# TorchSharp 0.107 is built against libtorch 2.10; the PyTorch on the machine may be another version. Whether
# LibTorchSharp loads against it is unknown until tried, so `run` first does a 1-step probe on CUDA with a
# 60 s limit and stops with its output if that fails. TORCH_LIB=/path/to/torch/lib overrides the lookup.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="$root/gpu-kit"

case "${1:-}" in
pack)
  rm -rf "$kit/bench"
  mkdir -p "$kit"
  dotnet publish "$root/tools/FedActors.Bench" -c Release -r linux-x64 --self-contained -o "$kit/bench" \
    --artifacts-path "${TMPDIR:-/tmp}/fedactors-gpu-kit"
  # libtorch comes from the machine's PyTorch; LibTorchSharp (TorchSharp's own glue) stays.
  (cd "$kit/bench" && rm -f libtorch*.so libc10.so libgomp-*.so.1 libshm.so libaoti_custom_ops.so \
    libbackend_with_compiler.so libjitbackend_test.so libnnapi_backend.so libmscordaccore.so libmscordbi.so \
    libcoreclrtraceptprovider.so createdump)
  tar -C "$kit" -czf "$kit/bench.tar.gz" bench
  rm -rf "$kit/bench"
  ls -l "$kit/bench.tar.gz"
  ;;
run)
  shift
  [[ -f "$kit/bench.tar.gz" ]] || { echo "gpu-kit.sh: no $kit/bench.tar.gz; run 'tools/gpu-kit.sh pack' first" >&2; exit 2; }
  work="${TMPDIR:-/tmp}/fedactors-gpu-kit-run"
  rm -rf "$work" && mkdir -p "$work" && tar -C "$work" -xzf "$kit/bench.tar.gz"
  lib="${TORCH_LIB:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}"
  [[ -f "$lib/libtorch.so" ]] || { echo "gpu-kit.sh: no libtorch.so in '$lib' (set TORCH_LIB)" >&2; exit 2; }
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
  bench="$work/bench/FedActors.Bench"
  device="${GPU_KIT_DEVICE:-cuda}"
  echo "gpu-kit.sh: libtorch from $lib"
  if ! timeout 60 "$bench" --figure simclr --device "$device" --model resnet18 --size 32 --batch 8 --steps 1 --trainers 1; then
    echo "gpu-kit.sh: the probe failed (above): TorchSharp 0.107 did not run against this libtorch on $device" >&2
    exit 3
  fi
  if [[ $# -eq 0 ]]; then
    set -- --figure simclr --device "$device" --trainers 1,2,4 --batch 64 --steps 10 --precision fp32,bf16
  fi
  "$bench" "$@"
  ;;
*)
  echo "usage: tools/gpu-kit.sh pack | run [FedActors.Bench arguments]" >&2
  exit 2
  ;;
esac
