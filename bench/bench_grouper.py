"""Group N synthetic cases (default 1,000,000) with the CHS-DRG 1.1 engine on W worker processes.

    .venv/bin/python bench/bench_grouper.py [--cases 1000000] [--workers 2] [--trace] [--source files|db]
    DATABASE_URL=…/drg_bench .venv/bin/python bench/bench_grouper.py --stored 990100 [--workers 2]

`--stored R` measures `group_cases --region R --all` over the cases stored in the bench database (made by
bench/generate_region.py + import_cases): the batch path end to end (read, group, COPY, one UPDATE per chunk).

The cases are built from the rule lists (apps.groups.grouper.synthetic.random_cases) inside each
worker (no pickling of a million inputs); each worker builds the rule set once (from the shipped
files, or from the database with `--source db`, which needs `load_grouper` on the bench database) and
groups its share. Reported: wall time (generation and grouping separately), cases per second, the
status/severity mix, and peak RSS of the parent and of the largest worker.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time
from collections import Counter
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(source: str):
    if source == "db":
        from bench._setup import django_setup

        django_setup()
        from apps.groups.grouper.loader import get_ruleset

        return get_ruleset("chs-drg-1.1")
    from apps.groups.grouper.loader import ruleset_from_files

    return ruleset_from_files("chs-drg-1.1")


def _work(args: tuple[int, int, bool, str]) -> dict:
    n, seed, trace, source = args
    t0 = time.perf_counter()
    rs = _setup(source)
    t1 = time.perf_counter()
    from apps.groups.grouper.engine import group
    from apps.groups.grouper.synthetic import random_cases

    generator = random_cases(rs, n, seed=seed)
    status: Counter = Counter()
    digit: Counter = Counter()
    steps = 0
    gen_s = group_s = group_cpu = 0.0
    while True:  # chunks of 50,000: memory stays at the rule set plus one chunk
        a = time.perf_counter()
        cases = list(islice(generator, 50_000))
        if not cases:
            break
        b, cpu = time.perf_counter(), time.process_time()
        for case in cases:
            result = group(case, rs, trace=trace)
            status[result.status] += 1
            if result.drg_code and len(result.drg_code) == 4:
                digit[result.drg_code[3]] += 1
            steps += len(result.trace)
        group_cpu += time.process_time() - cpu
        gen_s += b - a
        group_s += time.perf_counter() - b
    return {"load": t1 - t0, "generate": gen_s, "group": group_s, "group_cpu": group_cpu, "status": dict(status),
            "digit": dict(digit), "steps": steps, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "pid": os.getpid()}


REFERENCE_CASES_PER_S = 1869  # issue 15: the reference open grouper run in process on the same cases (not runnable here)


def stored(region: str, workers: int | None, period: str | None = None) -> None:
    """`group_cases --region R --all` on the region's stored cases (the bench database): wall time, cases per
    second, the ratio to the reference open grouper's in-process speed, peak RSS of the command and of its
    largest worker process, and the machine's load average (other work on the same 2 cores slows it)."""
    import io

    from bench._setup import django_setup

    django_setup()
    from django.core.management import call_command

    load_before = [round(x, 1) for x in os.getloadavg()]
    out = io.StringIO()
    start = time.perf_counter()
    args = ["group_cases", "--region", region, "--all"] + (["--workers", str(workers)] if workers else [])
    args += ["--period", period] if period else []
    call_command(*args, stdout=out, stderr=io.StringIO())
    wall = time.perf_counter() - start
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    summary.update({
        "wall_s": round(wall, 2), "cases_per_s": round(summary["cases"] / wall),
        "reference_cases_per_s": REFERENCE_CASES_PER_S,
        "x_reference": round(summary["cases"] / wall / REFERENCE_CASES_PER_S, 1),
        "peak_rss_command_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_largest_worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "load_average_before": load_before, "load_average_after": [round(x, 1) for x in os.getloadavg()],
    })
    print(json.dumps(summary, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", metavar="REGION", help="regroup the region's stored cases with group_cases")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--period", default=None, help="with --stored: only this discharge period (YYYY or YYYY-MM)")
    parser.add_argument("--trace", action="store_true", help="build the Chinese trace for every case")
    parser.add_argument("--source", choices=("files", "db"), default="files")
    opts = parser.parse_args()
    if opts.stored:
        stored(opts.stored, opts.workers, opts.period)
        return
    share = [opts.cases // opts.workers + (1 if i < opts.cases % opts.workers else 0) for i in range(opts.workers)]
    start = time.perf_counter()
    with mp.get_context("fork").Pool(opts.workers) as pool:
        parts = pool.map(_work, [(n, 1000 + i, opts.trace, opts.source) for i, n in enumerate(share)])
    wall = time.perf_counter() - start
    status: Counter = Counter()
    digit: Counter = Counter()
    for part in parts:
        status.update(part["status"])
        digit.update(part["digit"])
    group_wall = max(p["group"] for p in parts)
    summary = {
        "cases": opts.cases, "workers": opts.workers, "trace": opts.trace, "source": opts.source,
        "wall_s": round(wall, 2), "load_s": round(max(p["load"] for p in parts), 2),
        "generate_s": round(max(p["generate"] for p in parts), 2), "group_s": round(group_wall, 2),
        "cases_per_s_grouping": round(opts.cases / group_wall),
        "group_cpu_s_per_worker": [round(p["group_cpu"], 2) for p in parts],
        "cpu_us_per_case": round(sum(p["group_cpu"] for p in parts) / opts.cases * 1e6, 1), "trace_steps_per_case": round(
            sum(p["steps"] for p in parts) / opts.cases, 2),
        "status": dict(status), "severity_digit": dict(sorted(digit.items())),
        "peak_rss_worker_mb": round(max(p["rss_mb"] for p in parts), 1),
        "peak_rss_parent_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
