#!/usr/bin/env python3
"""Watch-mode benchmark (docs/performance.md, "Watch mode"): write-to-first-command latency and
idle CPU on a 50,000-file tree, for rask and (if found) watchexec doing the same job.

usage: scripts/bench-watch.py RASK [WATCHEXEC] [--runs N]
Sleeps here pace the benchmark; they are not synchronisation in a test.
"""
import os, shutil, signal, statistics, subprocess, sys, tempfile, time

DEBOUNCE_MS = 50
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of pid and its reaped children, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return sum(int(field) for field in fields[11:15]) / TICK


def start(argv, cwd):
    return subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(process):
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def latency(name, argv, project, runs):
    marker = os.path.join(project, "marker")
    source = os.path.join(project, "src", "input.txt")
    process = start(argv, project)
    time.sleep(2.0)  # let it set up and finish any first run
    samples = []
    for run in range(runs):
        if os.path.exists(marker):
            os.unlink(marker)
        time.sleep(0.3)  # idle again
        before = time.perf_counter()
        with open(source, "w") as file:
            file.write(f"{run}\n")
        deadline = before + 5
        while not os.path.exists(marker) and time.perf_counter() < deadline:
            time.sleep(0.0002)
        if os.path.exists(marker):
            samples.append((time.perf_counter() - before) * 1000 - DEBOUNCE_MS)
    stop(process)
    samples.sort()
    print(f"{name}: latency minus {DEBOUNCE_MS} ms debounce over {len(samples)}/{runs} runs: "
          f"median {statistics.median(samples):.2f} ms, p10 {samples[len(samples)//10]:.2f}, "
          f"p90 {samples[len(samples)*9//10]:.2f}")


def idle_cpu(name, argv, tree, seconds=20):
    process = start(argv, tree)
    time.sleep(5.0)  # setup (watches for every directory) is not idle time
    begin_cpu, begin = cpu_seconds(process.pid), time.perf_counter()
    time.sleep(seconds)
    used = cpu_seconds(process.pid) - begin_cpu
    elapsed = time.perf_counter() - begin
    stop(process)
    print(f"{name}: idle CPU on 50,000 files over {elapsed:.0f} s: {100 * used / elapsed:.3f}% of one core")


def main():
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 30
    args = [arg for arg in args if arg != str(runs)]
    rask = os.path.abspath(args[0])
    watchexec = args[1] if len(args) > 1 else shutil.which("watchexec")
    work = tempfile.mkdtemp(prefix="bench-watch-")
    project = os.path.join(work, "project")
    os.makedirs(os.path.join(project, "src"))
    open(os.path.join(project, "src", "input.txt"), "w").write("0\n")
    with open(os.path.join(project, "tasks.toml"), "w") as file:
        file.write('[tasks.hit]\nsources = ["src/*"]\nrun = [["touch", "marker"]]\n')
    tree = os.path.join(work, "tree")
    for directory in range(500):
        path = os.path.join(tree, f"d{directory:03}")
        os.makedirs(path)
        for index in range(100):
            open(os.path.join(path, f"f{index:03}.txt"), "w").close()
    with open(os.path.join(tree, "tasks.toml"), "w") as file:
        file.write('[tasks.idle]\nrun = [["true"]]\n')

    latency("rask", [rask, "--watch", "--debounce", f"{DEBOUNCE_MS}ms", "hit"], project, runs)
    if watchexec:
        latency("watchexec", [watchexec, "--postpone", "--debounce", f"{DEBOUNCE_MS}ms",
                              "--watch", "src", "--shell=none", "--", "touch", "marker"],
                project, runs)
    idle_cpu("rask", [rask, "--watch", "idle"], tree)
    if watchexec:
        idle_cpu("watchexec", [watchexec, "--postpone", "--watch", ".", "--shell=none", "--",
                               "true"], tree)
    shutil.rmtree(work)


main()
