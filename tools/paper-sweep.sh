#!/usr/bin/env bash
# The tuning sweeps and final runs of hocon/paper-cpu.conf (issue 14; every point and its result: docs/EXPERIMENTS.md).
#   tools/paper-sweep.sh OUT-DIR POINT...
# A POINT is one run, named after itself in OUT-DIR:
#   cl:LR:ROUNDS:AUG:SEED      arm cl (supervised from scratch, one network per task) at supervised.lr / .rounds
#   ssl:SEED[:SSL]             fl+ssl's SimCLR stage alone (heads.rounds = 0), exported for the heads points; SSL
#                              sets simclr.rounds (the cosine schedule spans them), else as shipped
#   heads:LR:ROUNDS:AUG:SEED[:SSL]
#                              fl+ssl's heads stage at heads.lr / .rounds, starting from ssl:SEED[:SSL]'s exported
#                              backbone (model.init-from + simclr.rounds = 0 gives the same bits as the whole run)
#   arm:ARM:SEED               one arm of paper-cpu.conf as shipped (cl, fl+ssl, fl, cl+ssl)
#   test:ARM:SEED              the same, evaluated on the official test split (data.eval-split = test: the test images
#                              are kept out of training, so it trains on fewer images than arm:ARM:SEED)
# Every other setting is paper-cpu.conf's as it stands (docs/EXPERIMENTS.md says which commit each table ran with).
# A cl or heads POINT may end in @KEY=VALUE (repeatable): --set fedactors.KEY=VALUE on top, e.g.
#   heads:0.0025:80:strong:1@heads.backbone-lr-scale=0.5   cl:0.01:80:strong:1@supervised.weight-decay=0.01
# AUG is base (supervised.augment as shipped: crop >= 0.6 + flip) or strong (crop >= 0.3 + flip + colour jitter
# 0.4 with probability 0.8); it applies to the labeled images of cl's training and of fl+ssl's heads stage.
# Runs one after the other, skipping points whose folder holds summary.json; each under /usr/bin/time -v (POINT.time,
# for the peak RSS). The CLI is tools/fedactors ($FEDACTORS_DLL picks a frozen build).
# Table of every point: python3 tools/paper-sweep-table.py OUT-DIR
set -euo pipefail
out="$1"; shift
fedactors="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fedactors"
config=(--config hocon/paper-cpu.conf)
mkdir -p "$out"

augment() {
  case "$1" in
    base) ;;
    strong) echo "--set fedactors.supervised.augment.crop-scale-min=0.3 --set fedactors.supervised.augment.jitter-strength=0.4 --set fedactors.supervised.augment.jitter-probability=0.8" ;;
    *) echo "unknown augmentation '$1' (base|strong)" >&2; exit 2 ;;
  esac
}

run() { # name, then fedactors run arguments
  local name="$1"; shift
  [[ -f "$out/$name/summary.json" ]] && return 0
  rm -rf "${out:?}/$name"
  echo "$(date -u +%T) fedactors run $* --out $out/$name"
  /usr/bin/time -v -o "$out/$name.time" "$fedactors" run "$@" --out "$out/$name" > "$out/$name.log" 2>&1
}

for spec in "$@"; do
  point="${spec%%@*}"
  extra=(); tag=""
  if [[ "$spec" == *@* ]]; then
    IFS=@ read -ra kv <<< "${spec#*@}"
    for x in "${kv[@]}"; do
      [[ "$x" == *=* ]] || { echo "'@$x' in '$spec' is not KEY=VALUE" >&2; exit 2; }
      extra+=(--set "fedactors.$x"); tag+="@$x"
    done
  fi
  IFS=: read -r kind a b c d e <<< "$point"
  [[ -z "$tag" || "$kind" == cl || "$kind" == heads ]] || { echo "'$spec': only cl and heads points take @KEY=VALUE" >&2; exit 2; }
  case "$kind" in
    cl)
      # shellcheck disable=SC2046
      run "cl-lr$a-r$b-$c$tag-s$d" "${config[@]}" --seed "$d" --set 'fedactors.arms=[cl]' \
        --set "fedactors.supervised.lr=$a" --set "fedactors.supervised.rounds=$b" $(augment "$c") "${extra[@]}" ;;
    ssl)
      ssl="ssl${b:+-r$b}-s$a"
      run "$ssl" "${config[@]}" --seed "$a" --set 'fedactors.arms=["fl+ssl"]' --set fedactors.heads.rounds=0 \
        ${b:+--set "fedactors.simclr.rounds=$b"}
      if [[ ! -f "$out/$ssl/backbone.safetensors" ]]; then
        # one file per task (backbone + that task's untrained head as fc); after 0 head rounds every backbone is
        # the SimCLR one, and model.init-from ignores fc
        "$fedactors" export "$out/$ssl" --format safetensors > /dev/null
        cp "$(ls "$out/$ssl/export/"*.safetensors | head -1)" "$out/$ssl/backbone.safetensors"
      fi ;;
    heads)
      # shellcheck disable=SC2046
      run "heads-lr$a-r$b-$c${e:+-ssl$e}$tag-s$d" "${config[@]}" --seed "$d" --set 'fedactors.arms=["fl+ssl"]' \
        --set fedactors.simclr.rounds=0 --set "fedactors.model.init-from=$out/ssl${e:+-r$e}-s$d/backbone.safetensors" \
        --set "fedactors.heads.lr=$a" --set "fedactors.heads.rounds=$b" $(augment "$c") "${extra[@]}" ;;
    arm)
      run "$a-s$b" "${config[@]}" --seed "$b" --set "fedactors.arms=[\"$a\"]" ;;
    test)
      run "$a-test-s$b" "${config[@]}" --seed "$b" --set "fedactors.arms=[\"$a\"]" --set fedactors.data.eval-split=test ;;
    *) echo "unknown point '$point' (cl:LR:ROUNDS:AUG:SEED, ssl:SEED[:SSL], heads:LR:ROUNDS:AUG:SEED[:SSL], arm:ARM:SEED, test:ARM:SEED)" >&2; exit 2 ;;
  esac
done
