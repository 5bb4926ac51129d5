#!/usr/bin/env python3
"""A/B of the per-job RASK_JOBSERVER variable (docs/performance.md, "Watch mode"): the same rask
binary on the fan-out, once creating its job pipe (each job gets the variable in its env), once
inheriting one (jobs inherit rask's environment unchanged). usage: RASK DIR RUNS, DIR holding a
tasks.toml whose task `all` fans out."""
import os, resource, statistics, subprocess, sys, time
rask, cwd, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def once(inherit):
    env = dict(os.environ); env.pop("RASK_JOBSERVER", None); fds = ()
    if inherit:
        r, w = os.pipe(); os.write(w, b"+"); env["RASK_JOBSERVER"] = f"{r},{w}"; fds = (r, w)
    before = resource.getrusage(resource.RUSAGE_CHILDREN); start = time.perf_counter()
    subprocess.run([rask, "-j2", "all"], cwd=cwd, env=env, pass_fds=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for fd in fds: os.close(fd)
    return wall, (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
a, b = [], []
for _ in range(runs):
    a.append(once(False)); b.append(once(True))
for name, xs in (("per-job env", a), ("inherited", b)):
    print(f"{name}: wall median {statistics.median(x[0] for x in xs):.0f} ms, CPU (rask + tasks) median {statistics.median(x[1] for x in xs):.0f} ms")
