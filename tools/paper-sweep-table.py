#!/usr/bin/env python3
"""Every point of a tools/paper-sweep.sh folder as one Markdown table (docs/EXPERIMENTS.md).

    python3 tools/paper-sweep-table.py OUT-DIR

One row per finished run folder (summary.json): the point's settings from its name (with its @KEY=VALUE extras),
Acc@1 per task on the evaluation split, their mean, the best of the last five rounds' mean (does more training still
pay?), the run's wall time and the peak RSS of its process (from POINT.time, /usr/bin/time -v). Then every setting
run on two or more seeds, pooled: Acc@1 per task as mean ± sample std over its seeds, and its difference from the
baseline paired by seed (heads against cl at the same rounds and augmentation, with the heads point's
@heads.KEY=VALUE given to cl as @supervised.KEY=VALUE, heads-only keys aside; ARM[-test] against cl[-test]), named
in the last column, with how many seeds it won. `fedactors report` does this for runs of one configuration; heads
points start from an exported backbone and so have another configuration than the cl points they are compared with.
Standard library only.
"""
import csv
import json
import re
import statistics
import sys
from pathlib import Path

NAME = re.compile(r"^(?P<kind>cl|heads)-lr(?P<lr>[0-9.]+)-r(?P<rounds>\d+)-(?P<aug>[a-z]+)(?:-ssl(?P<ssl>\d+))?"
                  r"(?P<extra>(?:@[^@=]+=[^@]+?)*)-s(?P<seed>\d+)$")
ARM = re.compile(r"^(?P<setting>.+)-s(?P<seed>\d+)$")
TASKS = ("flowers", "scenes")


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
        if m:
            kind = m["kind"] + (f" (SimCLR {m['ssl']} rounds)" if m["ssl"] else "") + extras(m)
            cols = [kind, m["lr"], m["rounds"], m["aug"], m["seed"]]
        else:
            cols = [name, "", "", "", ""]
        best = f"{100 * max(late):.2f}" if late else ""
        rss_s = f"{rss:.0f}" if rss is not None else ""
        print(f"| {' | '.join(cols)} | {acc.get('flowers', float('nan')):.2f} | {acc.get('scenes', float('nan')):.2f} "
              f"| {mean:.2f} | {best} | {wall:.0f} | {rss_s} |")
    over_seeds(rows)
    return 0


def extras(m):
    """The point's @KEY=VALUE settings as ', KEY VALUE' text, or ''."""
    return "".join(f", {kv.replace('=', ' ')}" for kv in m["extra"].split("@")[1:])


# Settings of the heads phase that the cl arm has no counterpart of (it trains no pretrained backbone).
HEADS_ONLY = ("heads.backbone-lr-scale", "heads.backbone-scope", "heads.trainable", "heads.weight-decay-toward")


def baseline_extras(m):
    """The extras of the cl setting a heads point is compared with: each heads.KEY=VALUE as supervised.KEY=VALUE
    (the same knob given to the baseline, e.g. weight decay), the heads-only ones dropped."""
    kept = [kv for kv in m["extra"].split("@")[1:] if kv.split("=")[0] not in HEADS_ONLY]
    return "".join(f", {kv.replace('heads.', 'supervised.', 1).replace('=', ' ')}" for kv in kept)


def setting_of(name, m):
    """(setting, seed, baseline setting or None) of a run folder's name."""
    if m:
        setting = f"{m['kind']} lr {m['lr']} r{m['rounds']} {m['aug']}" + (f" simclr {m['ssl']}" if m["ssl"] else "") + extras(m)
        return setting, int(m["seed"]), ("cl", m["rounds"], m["aug"], baseline_extras(m)) if m["kind"] == "heads" else None
    a = ARM.match(name)
    if not a:
        return None
    setting = a["setting"]
    test = setting.endswith("-test")
    baseline = "cl-test" if test else "cl"
    return setting, int(a["seed"]), None if setting == baseline else baseline


def mean_std(values):
    if len(values) < 2:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def over_seeds(rows):
    groups = {}  # setting -> (baseline key, {seed: acc})
    for name, m, acc, _, _, _ in rows:
        parsed = setting_of(name, m)
        if parsed:
            setting, seed, baseline = parsed
            groups.setdefault(setting, (baseline, {}))[1][seed] = acc

    def baseline_group(key):
        if isinstance(key, str):
            return key, groups.get(key, (None, {}))[1]
        # the cl setting of these rounds, augmentation and extras with the most seeds
        _, rounds, aug, extra = key
        candidates = [(s, g) for s, (_, g) in groups.items() if s.startswith("cl lr") and s.endswith(f" r{rounds} {aug}{extra}")]
        return max(candidates, key=lambda c: len(c[1]), default=(None, {}))

    pooled = [(s, b, g) for s, (b, g) in groups.items() if len(g) >= 2]
    if not pooled:
        return
    print()
    print("Settings run on two or more seeds (mean ± sample std; Δ vs the baseline paired by seed, wins / seeds):")
    print()
    print("| setting | seeds | " + " | ".join(TASKS) + " | " + " | ".join(f"Δ {t}" for t in TASKS) + " | Δ against |")
    print("|---|---|" + "---:|" * (2 * len(TASKS)) + "---|")
    for setting, baseline, by_seed in sorted(pooled):
        seeds = sorted(by_seed)
        cells = [mean_std([by_seed[s][t] for s in seeds]) for t in TASKS]
        against, base = baseline_group(baseline) if baseline else ("-", {})
        for t in TASKS:
            paired = [by_seed[s][t] - base[s][t] for s in seeds if s in base]
            if not baseline:
                cells.append("-")
            elif not paired:
                cells.append("no baseline run")
            else:
                wins = sum(d > 0 for d in paired)
                cells.append(f"{'+' if statistics.mean(paired) >= 0 else ''}{mean_std(paired)} ({wins}/{len(paired)})")
        print(f"| {setting} | {','.join(map(str, seeds))} | " + " | ".join(cells) + f" | {against or 'no run'} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 tools/paper-sweep-table.py OUT-DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
