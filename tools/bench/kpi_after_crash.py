#!/usr/bin/env python3
"""`hoso kpi` right after a crash, at many kill instants (issue 9; BENCHMARKS.md
"kpi after a crash").

  tools/bench/kpi_after_crash.py INGEST_HOSO EVENTS WORK QUERY_HOSO [QUERY_HOSO ...]
      [--kills 20] [--seed 1] [--earliest-s 0.5] [--latest-s S] [--period 2020]

First, unless --latest-s is given, one `INGEST_HOSO ingest` of EVENTS runs to
its end: the kill instants then end at 0.9 of its wall time, so that the kills
land while ingest runs, on a fast host as on a slow one. An ingest that ends
before its kill anyway (the host sped up) is run again with an earlier
instant, and later instants end there too.

For each kill: `INGEST_HOSO ingest` of EVENTS into a new database WORK/db,
SIGKILLed at a random instant (uniform between --earliest-s and --latest-s),
then one `QUERY_HOSO kpi --period P --format json` by each query binary on
what the crash left, in an order that rotates from kill to kill (the first
query after a kill tends to be the slowest). With two query binaries, both
answer the same kill points. Prints the write-ahead log left and each query's
wall time per kill, then per query binary: median, p90, max and how many kills
it answered in more than 100 ms (the issue's bound).
"""
import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ingest_hoso")
    parser.add_argument("events")
    parser.add_argument("work")
    parser.add_argument("query_hoso", nargs="+")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--earliest-s", type=float, default=0.5)
    parser.add_argument("--latest-s", type=float, default=None)
    parser.add_argument("--period", default="2020")
    args = parser.parse_args()

    random.seed(args.seed)
    os.makedirs(args.work, exist_ok=True)
    db = os.path.join(args.work, "db")
    queries = args.query_hoso
    ingest_command = [args.ingest_hoso, "ingest", "--events", args.events, "--db", db,
                      "--no-progress"]
    if args.latest_s is None:
        shutil.rmtree(db, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(ingest_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        whole_s = time.perf_counter() - start
        args.latest_s = 0.9 * whole_s
        print("uninterrupted ingest: %.2f s; kills between %.2f and %.2f s"
              % (whole_s, args.earliest_s, args.latest_s), flush=True)
    if args.latest_s <= args.earliest_s:
        sys.exit("--latest-s (%.2f) must be after --earliest-s (%.2f)"
                 % (args.latest_s, args.earliest_s))
    took_ms = {q: [] for q in queries}
    wal_mib = []
    for kill in range(args.kills):
        while True:
            instant_s = random.uniform(args.earliest_s, args.latest_s)
            shutil.rmtree(db, ignore_errors=True)
            ingest = subprocess.Popen(ingest_command, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            time.sleep(instant_s)
            if ingest.poll() is None:
                break
            if ingest.returncode != 0:
                sys.exit("ingest failed (exit %d) before the kill at %.2f s"
                         % (ingest.returncode, instant_s))
            # The host ran this ingest faster than the first: kill earlier.
            args.latest_s = 0.9 * instant_s
            if args.latest_s <= args.earliest_s:
                sys.exit("ingest ended before %.2f s: give a smaller --earliest-s" % instant_s)
            print("ingest ended before the kill at %.2f s; kills now end at %.2f s"
                  % (instant_s, args.latest_s), flush=True)
        ingest.send_signal(signal.SIGKILL)
        ingest.wait()
        wal = sum(os.path.getsize(os.path.join(db, name)) for name in os.listdir(db)
                  if name.endswith(".log"))
        wal_mib.append(wal / 1048576)
        shift = kill % len(queries)
        line = "kill %2d at %.2f s: WAL %5.1f MiB" % (kill, instant_s, wal / 1048576)
        for q in queries[shift:] + queries[:shift]:
            start = time.perf_counter()
            subprocess.run([q, "kpi", "--db", db, "--period", args.period, "--format", "json"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            took_ms[q].append((time.perf_counter() - start) * 1000)
        for i, q in enumerate(queries):
            line += "  kpi[%d] %4.0f ms" % (i, took_ms[q][-1])
        print(line, flush=True)
    wal_sorted = sorted(wal_mib)
    print("WAL left: median %.1f MiB, max %.1f MiB" % (statistics.median(wal_sorted), wal_sorted[-1]))
    for i, q in enumerate(queries):
        times = sorted(took_ms[q])
        p90 = times[int(0.9 * (len(times) - 1))]
        over = sum(1 for t in times if t > 100)
        print("kpi[%d] %s: median %.0f ms, p90 %.0f ms, max %.0f ms, over 100 ms after %d of %d kills"
              % (i, q, statistics.median(times), p90, times[-1], over, len(times)))


if __name__ == "__main__":
    main()
