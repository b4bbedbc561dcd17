#!/usr/bin/env bash
# The scale figures of issue 15 (BENCHMARKS.md, "Rounds at scale" and "Clients over real data"), one at a time:
#   tools/scale-figures.sh rounds [OUT-DIR]   the rounds figure for N = 10, 50, 100 clients x P = 1 M, 25 M floats,
#                                             in one process and as a local cluster of 2 and 4 client processes
#   tools/scale-figures.sh clients [OUT-DIR]  seconds per round and peak RSS of 10 / 50 / 100 / 200 federated clients
#                                             cut from Flowers102 (ResNet18 of hocon/dozens.conf, 32 px), 10 sampled
#                                             per round, 5 rounds of supervised FedAvg (arm fl), under /usr/bin/time -v
# Each measurement's output is OUT-DIR/<name>.txt (default runs/scale); existing outputs are skipped.
set -euo pipefail
what="$1"
out="${2:-runs/scale}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$out"

case "$what" in
  rounds)
    art="${BENCH_ARTIFACTS:-/tmp/art-scale}"
    dotnet build -c Release "$repo/tools/FedActors.Bench" --artifacts-path "$art" > /dev/null
    bench="$art/bin/FedActors.Bench/release/FedActors.Bench.dll"
    for nodes in 0 2 4; do
      for params in 1000000 25000000; do
        for clients in 10 50 100; do
          name="rounds-n$clients-p$params-k$nodes"
          [[ -s "$out/$name.txt" ]] && continue
          echo "$(date -u +%T) dotnet $bench --figure rounds --clients $clients --params $params --rounds 6 --nodes $nodes"
          dotnet "$bench" --figure rounds --clients "$clients" --params "$params" --rounds 6 --nodes "$nodes" > "$out/$name.tmp" 2>&1
          mv "$out/$name.tmp" "$out/$name.txt"
        done
      done
    done ;;
  clients)
    for n in 10 50 100 200; do
      name="clients-$n"
      [[ -f "$out/$name/summary.json" ]] && continue
      rm -rf "${out:?}/$name"
      args=(run --config hocon/dozens.conf --seed 1 --out "$out/$name"
        --set 'fedactors.arms=[fl]' --set fedactors.supervised.rounds=5 --set fedactors.supervised.local-epochs=1
        --set fedactors.simulation.clock=off --set 'fedactors.simulation.targets=[]' --set fedactors.engine.sampling.min-clients=10
        --set "fedactors.engine.sampling.fraction=$(python3 -c "print(10 / $n)")"
        --set "fedactors.data.groups=[{group = flowers, count = $n, task = flowers, source = flowers102, partition = iid}]")
      echo "$(date -u +%T) fedactors ${args[*]}"
      /usr/bin/time -v -o "$out/$name.time" "$repo/tools/fedactors" "${args[@]}" > "$out/$name.log" 2>&1
    done ;;
  *) echo "usage: tools/scale-figures.sh rounds|clients [OUT-DIR]" >&2; exit 2 ;;
esac
