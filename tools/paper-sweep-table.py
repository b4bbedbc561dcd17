#!/usr/bin/env python3
"""Every point of a tools/paper-sweep.sh folder as one Markdown table (docs/EXPERIMENTS.md).

    python3 tools/paper-sweep-table.py OUT-DIR

One row per finished run folder (summary.json): the point's settings from its name, Acc@1 per task on the
evaluation split, their mean, the best of the last five rounds' mean (does more training still pay?), the
run's wall time and the peak RSS of its process (from POINT.time, /usr/bin/time -v). Standard library only.
"""
import csv
import json
import re
import sys
from pathlib import Path

NAME = re.compile(r"^(?P<kind>cl|heads)-lr(?P<lr>[0-9.]+)-r(?P<rounds>\d+)-(?P<aug>\w+)-s(?P<seed>\d+)$")


def peak_rss_mib(time_file: Path):
    if not time_file.exists():
        return None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_file.read_text())
    return int(m.group(1)) / 1024 if m else None


def late_rounds(metrics: Path, phase: str):
    """Mean over tasks of acc1 per round of the given phase; returns the last five rounds' values."""
    per_round = {}
    with metrics.open() as f:
        for row in csv.DictReader(f):
            if row["phase"] == phase and row["metric"] == "acc1":
                per_round.setdefault(int(row["round"]), []).append(float(row["value"]))
    means = [sum(v) / len(v) for _, v in sorted(per_round.items())]
    return means[-5:]


def knn_rounds(metrics: Path):
    """The k-NN monitor: round -> task -> accuracy (the mean over the task's clients)."""
    values = {}
    with metrics.open() as f:
        for row in csv.DictReader(f):
            if row["metric"] == "knn":
                values.setdefault(int(row["round"]), {}).setdefault(row["task"], []).append(float(row["value"]))
    return {r: {t: sum(v) / len(v) for t, v in tasks.items()} for r, tasks in values.items()}


def main(out: Path) -> int:
    rows = []
    ssl = []
    for summary in sorted(out.glob("*/summary.json")):
        run = summary.parent
        m = NAME.match(run.name)
        s = json.loads(summary.read_text())
        if not s["results"]:  # a SimCLR stage alone (ssl:SEED): its k-NN monitor instead
            ssl.append((run.name, knn_rounds(run / "metrics.csv"), s["wall_seconds"], peak_rss_mib(out / f"{run.name}.time")))
            continue
        acc = {r["task"]: 100 * r["acc1"] for r in s["results"]}
        phase = "supervised" if m and m["kind"] == "cl" else "heads"
        late = late_rounds(run / "metrics.csv", phase) if m else []
        rss = peak_rss_mib(out / f"{run.name}.time")
        rows.append((run.name, m, acc, late, s["wall_seconds"], rss))
    for name, knn, wall, rss in ssl:
        print(f"{name}: k-NN Acc@1 (%) by SimCLR round: "
              + "; ".join(f"{r}: " + ", ".join(f"{t} {100 * v:.2f}" for t, v in tasks.items()) for r, tasks in sorted(knn.items()))
              + f"; wall {wall:.0f} s" + (f", peak RSS {rss:.0f} MiB" if rss is not None else ""))
    if ssl:
        print()
    if not rows:
        print(f"no finished runs (summary.json) under {out}", file=sys.stderr)
        return 1
    print("| point | lr | rounds | aug | seed | flowers | scenes | mean | best of last 5 rounds | wall s | peak RSS MiB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m, acc, late, wall, rss in rows:
        mean = sum(acc.values()) / len(acc)
        cols = [m["kind"], m["lr"], m["rounds"], m["aug"], m["seed"]] if m else [name, "", "", "", ""]
        best = f"{100 * max(late):.2f}" if late else ""
        rss_s = f"{rss:.0f}" if rss is not None else ""
        print(f"| {' | '.join(cols)} | {acc.get('flowers', float('nan')):.2f} | {acc.get('scenes', float('nan')):.2f} "
              f"| {mean:.2f} | {best} | {wall:.0f} | {rss_s} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 tools/paper-sweep-table.py OUT-DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
