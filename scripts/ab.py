#!/usr/bin/env python3
# Interleaved A/B of whole-command wall time. Usage: scripts/ab.py ROUNDS RUNS "CMD ARGS" "CMD ARGS"...
# Each round runs every command RUNS times in turn; prints, per command, the median and the minimum over the
# rounds of the mean time per run (ms). Interleaving spreads the machine's drift over all commands alike.
import subprocess, sys, time, os, statistics
cmds = sys.argv[3:]; rounds = int(sys.argv[1]); n = int(sys.argv[2])
res = {c: [] for c in cmds}
dn = open(os.devnull, "w")
for r in range(rounds):
    for c in cmds:
        argv = c.split()
        t = time.perf_counter()
        for _ in range(n):
            subprocess.run(argv, stdout=dn, stderr=dn)
        res[c].append((time.perf_counter() - t) / n * 1e3)
for c in cmds:
    print(f"{statistics.median(res[c]):7.3f} med {min(res[c]):7.3f} min  {c}")
