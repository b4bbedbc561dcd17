#!/usr/bin/env bash
# Runs FedActors' benchmark figures on a GPU machine that has PyTorch but no .NET and no package registry.
#
#   tools/gpu-kit.sh pack            # here: self-contained publish of tools/FedActors.Bench and of the fedactors
#                                    # CLI without libtorch's CPU natives, compressed to gpu-kit/bench.tar.gz
#                                    # (gitignored)
#   tools/gpu-kit.sh run [ARGS...]   # there: unpack, point the native loader at PyTorch's torch/lib, run
#                                    # FedActors.Bench ARGS (default: the SimCLR GPU figure, see below)
#   tools/gpu-kit.sh fedactors ARGS  # there: the same, then the fedactors CLI, e.g. `fedactors run --set
#                                    # fedactors.device=cuda` for a whole experiment on the GPU
#
# TorchSharp 0.107 is built against libtorch 2.10; the PyTorch on the machine may be another version. Whether
# LibTorchSharp loads against it is unknown until tried, so `run` first does a 1-step probe on CUDA with a
# 60 s limit. If the probe fails and GPU_KIT_NATIVE_SRC names a copy of TorchSharp 0.107's src/Native (from
# github.com/dotnet/TorchSharp, tag or commit of 0.107.0), `run` compiles libLibTorchSharp.so against the machine's
# PyTorch headers with its g++ and probes again; otherwise it stops with the probe's output (exit 3).
# TORCH_LIB=/path/to/torch/lib overrides the lookup of libtorch.
#
# With no ARGS, `run` times the SimCLR figure (ResNet50, 224 px, batch 64, 1/2/4 trainers, fp32 and bf16) and then
# the same step in the machine's PyTorch (tools/FedActors.Bench/pytorch_simclr.py), so one call gives both and
# their ratio.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="$root/gpu-kit"

# build_native SRC LIB OUT: compiles TorchSharp's LibTorchSharp (SRC = its src/Native) against the PyTorch whose
# libraries are in LIB, with that PyTorch's headers and C++ ABI, into OUT/libLibTorchSharp.so.
build_native() {
  local src="$1" lib="$2" out="$3" abi includes
  mkdir -p "$out"
  abi="$(python3 -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))')"
  includes="-I$lib/../include -I$lib/../include/torch/csrc/api/include"
  [[ -d /usr/local/cuda/include ]] && includes="$includes -I/usr/local/cuda/include"
  export abi includes src out
  # shellcheck disable=SC2016
  find "$src/LibTorchSharp" -name '*.cpp' | xargs -P "$(nproc)" -I{} sh -c \
    'g++ -std=c++17 -O2 -DNDEBUG -fPIC -fvisibility=hidden -w -D_GLIBCXX_USE_CXX11_ABI=$abi -I"$src" -I"$src/LibTorchSharp" $includes -c "$1" -o "$out/$(basename "$1").o"' _ {} || return 1
  gcc -O2 -fPIC -c "$src/LibTorchSharp/crc32c.c" -o "$out/crc32c.c.o" || return 1
  g++ -shared -o "$out/libLibTorchSharp.so" "$out"/*.o -L"$lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 \
    $( [[ -f "$lib/libtorch_cuda.so" ]] && echo -ltorch_cuda -lc10_cuda ) -Wl,-rpath,"$lib"
}

case "${1:-}" in
pack)
  rm -rf "$kit/bench"
  mkdir -p "$kit"
  # Both apps in one folder: they share every assembly but their own, so the CLI adds little.
  for project in tools/FedActors.Bench src/FedActors.Cli; do
    dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained -o "$kit/bench" \
      --artifacts-path "${TMPDIR:-/tmp}/fedactors-gpu-kit"
  done
  # libtorch comes from the machine's PyTorch; LibTorchSharp (TorchSharp's own glue) stays.
  (cd "$kit/bench" && rm -f libtorch*.so libc10.so libgomp-*.so.1 libshm.so libaoti_custom_ops.so \
    libbackend_with_compiler.so libjitbackend_test.so libnnapi_backend.so libmscordaccore.so libmscordbi.so \
    libcoreclrtraceptprovider.so createdump)
  tar -C "$kit" -czf "$kit/bench.tar.gz" bench
  rm -rf "$kit/bench"
  ls -l "$kit/bench.tar.gz"
  ;;
run | fedactors)
  command="$1"
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
  python3 -c 'import torch; print("gpu-kit.sh: PyTorch", torch.__version__, "CUDA", torch.version.cuda, "cxx11 abi", torch.compiled_with_cxx11_abi())' || true
  command -v nvidia-smi >/dev/null && nvidia-smi -L || true
  probe() { timeout 60 "$bench" --figure simclr --device "$device" --model resnet18 --size 32 --batch 8 --steps 1 --trainers 1; }
  if ! probe; then
    echo "gpu-kit.sh: the probe failed (above): TorchSharp 0.107's libLibTorchSharp.so did not run against this libtorch on $device" >&2
    [[ -n "${GPU_KIT_NATIVE_SRC:-}" ]] || exit 3
    echo "gpu-kit.sh: compiling libLibTorchSharp.so from $GPU_KIT_NATIVE_SRC against $lib"
    build_native "$GPU_KIT_NATIVE_SRC" "$lib" "$work/native" || { echo "gpu-kit.sh: the native build failed (above)" >&2; exit 3; }
    cp "$work/native/libLibTorchSharp.so" "$work/bench/libLibTorchSharp.so"
    probe || { echo "gpu-kit.sh: the probe failed again with the rebuilt libLibTorchSharp.so" >&2; exit 3; }
  fi
  if [[ "$command" == fedactors ]]; then
    # The CLI's GC settings travel in its runtimeconfig. tools/fedactors' glibc malloc tunables are for CPU
    # training and are not set here. The run folder goes under the current directory unless --out says otherwise.
    "$work/bench/fedactors" "$@"
  elif [[ $# -eq 0 ]]; then
    "$bench" --figure simclr --device "$device" --trainers 1,2,4 --batch 64 --steps 10 --precision fp32,bf16
    python3 "$root/tools/FedActors.Bench/pytorch_simclr.py" --device "$device" --batch 64 --steps 10 --precision fp32,bf16
  else
    "$bench" "$@"
  fi
  ;;
*)
  echo "usage: tools/gpu-kit.sh pack | run [FedActors.Bench arguments] | fedactors ARGS" >&2
  exit 2
  ;;
esac
