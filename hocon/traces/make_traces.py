#!/usr/bin/env python3
"""Writes the small synthetic device and availability traces of hocon/dozens.conf (python3 make_traces.py).

devices.json, in FedScale's device-trace format (client -> computation in ms per example, communication in
kbit/s): three tiers of 12 slow, 12 middle and 8 fast devices, each value spread by a seeded uniform factor.
availability.json, in FedScale's behaviour-trace format (client -> active / inactive times in seconds, the
pattern repeating every finish_time): 16 devices with on-periods of 0.5-6 h and off-periods of 0.25-3 h over a day,
about two thirds of them on when the day begins.
"""
import json
import random

random.seed(20261203)
tiers = [("low", 12, 60.0, 2_000.0), ("mid", 12, 25.0, 10_000.0), ("high", 8, 8.0, 50_000.0)]
devices = {}
i = 0
for name, n, comp, comm in tiers:
    for _ in range(n):
        devices[str(1000 + i)] = {"computation": round(comp * random.uniform(0.8, 1.25), 2), "communication": round(comm * random.uniform(0.7, 1.4), 1)}
        i += 1
json.dump(devices, open("devices.json", "w"), indent=1, sort_keys=True)
behave = {}
day = 86400
for k in range(16):
    active, inactive = [], []
    # About two thirds of the devices are on when the day (and a run) begins.
    t = max(0.0, random.uniform(-4 * 3600, 2 * 3600))
    while t < day:
        on = random.uniform(1800, 6 * 3600)
        off = random.uniform(900, 3 * 3600)
        end = min(day, t + on)
        active.append(round(t, 1))
        inactive.append(round(end, 1))
        t = end + off
    behave[str(2000 + k)] = {"active": active, "inactive": inactive, "finish_time": day}
json.dump(behave, open("availability.json", "w"), indent=1, sort_keys=True)
