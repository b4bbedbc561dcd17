#!/usr/bin/env bash
# The robustness table of README (issue 16): every strategy of hocon/robustness.conf, clean and under 10 % and
# 30 % attackers of two kinds (sign flipping, label flipping), one run per row, one after the other.
#   tools/robustness.sh [OUT-DIR] [SEED]        (default runs/robustness, seed 1)
# Each row's command is printed before it runs; rows whose run folder already holds summary.json are skipped, so
# an interrupted table goes on where it stopped. Writes OUT-DIR/table.md: Acc@1 (%) per strategy and attack.
set -euo pipefail
out="${1:-runs/robustness}"
seed="${2:-1}"
fedactors="${FEDACTORS:-$(dirname "${BASH_SOURCE[0]}")/fedactors}"
mkdir -p "$out"

# name | strategy settings (a 30 % attack is 6 of the 20 clients: Krum tolerates f = 6; Bulyan at most f = 4 with 20;
# q-FedAvg's learning-rate is the clients' own, supervised.lr of hocon/robustness.conf)
strategies=(
  "fedavg|fedactors.strategy.name=fedavg"
  "fedavgm|fedactors.strategy.name=fedavgm fedactors.strategy.server-momentum=0.9"
  "fedadam|fedactors.strategy.name=fedadam fedactors.strategy.eta=0.01"
  "fedyogi|fedactors.strategy.name=fedyogi fedactors.strategy.eta=0.01"
  "fedadagrad|fedactors.strategy.name=fedadagrad fedactors.strategy.eta=0.01"
  "fedprox|fedactors.strategy.name=fedprox fedactors.strategy.mu=0.01"
  "fedmedian|fedactors.strategy.name=fedmedian"
  "fedtrimmedavg|fedactors.strategy.name=fedtrimmedavg fedactors.strategy.beta=0.3"
  "krum|fedactors.strategy.name=krum fedactors.strategy.f=6"
  "multikrum|fedactors.strategy.name=multikrum fedactors.strategy.f=6"
  "bulyan|fedactors.strategy.name=bulyan fedactors.strategy.f=4"
  "qfedavg|fedactors.strategy.name=qfedavg fedactors.strategy.learning-rate=0.01"
)
attacks=(
  "clean|fedactors.faults.attack.kind=none"
  "sign-flip-10|fedactors.faults.attack.kind=sign-flip fedactors.faults.attack.fraction=0.1"
  "sign-flip-30|fedactors.faults.attack.kind=sign-flip fedactors.faults.attack.fraction=0.3"
  "label-flip-10|fedactors.faults.attack.kind=label-flip fedactors.faults.attack.fraction=0.1"
  "label-flip-30|fedactors.faults.attack.kind=label-flip fedactors.faults.attack.fraction=0.3"
)

for s in "${strategies[@]}"; do
  for a in "${attacks[@]}"; do
    name="${s%%|*}-${a%%|*}"
    dir="$out/$name"
    [[ -f "$dir/summary.json" ]] && continue
    rm -rf "$dir"
    args=(run --config hocon/robustness.conf --seed "$seed" --out "$dir")
    for kv in ${s#*|} ${a#*|}; do args+=(--set "$kv"); done
    echo "fedactors ${args[*]}"
    "$fedactors" "${args[@]}" > "$out/$name.log" 2>&1
  done
done

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = []
attacks = ["clean", "sign-flip-10", "sign-flip-30", "label-flip-10", "label-flip-30"]
names = sorted({d.rsplit("-", 2)[0] if d.count("-") >= 2 and d.split("-")[-1].isdigit() else d.rsplit("-", 1)[0] for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))})
order = ["fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedprox", "fedmedian", "fedtrimmedavg", "krum", "multikrum", "bulyan", "qfedavg"]
lines = ["| strategy | " + " | ".join(attacks) + " |", "|---|" + "---:|" * len(attacks)]
for s in order:
    cells = []
    for a in attacks:
        path = os.path.join(out, f"{s}-{a}", "summary.json")
        if not os.path.exists(path):
            cells.append("-")
            continue
        results = json.load(open(path))["results"]
        acc = sum(r["acc1"] * r.get("images", 1) for r in results) / sum(r.get("images", 1) for r in results)
        cells.append(f"{100 * acc:.2f}")
    lines.append(f"| {s} | " + " | ".join(cells) + " |")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
