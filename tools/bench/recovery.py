#!/usr/bin/env python3
"""Recovery of `hoso ingest` after SIGKILL (issue 9; BENCHMARKS.md "Recovery").

  tools/bench/recovery.py HOSO EVENTS WORK [--kills 5] [--seed 1]

  1. An uninterrupted `hoso ingest` of EVENTS into WORK/uninterrupted: its wall
     time T.
  2. `hoso ingest` of EVENTS into WORK/crashed, SIGKILLed --kills times at a
     random instant (uniform between 0.3 s and the time its progress line says
     is left, so most kills land mid-run, not only at batch boundaries), each
     time started again on the same database. Its stderr is a pseudo-terminal,
     so it draws its progress line: a restart is "back to applying" at the
     first line that counts events applied since that start (the line is drawn
     at most every 250 ms, so the figure is an upper bound).
  3. Right after each kill, before the restart: one `hoso kpi` and one `hoso
     history` on the crashed database (queries right after a crash).
  4. The last start runs to the end. Then the figures must be byte-equal to
     the uninterrupted run's: `hoso kpi --format json` of every year in
     EVENTS, by agency and by procedure, and `hoso alerts --format json`; and
     `hoso verify` must pass on both.

Prints one line per restart and a summary; exits 1 when a figure differs.
"""
import argparse
import hashlib
import os
import pty
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time

PROGRESS = re.compile(rb"ingest:\s+([0-9.]+)%\s+([0-9]+) events")


def years_of(events):
    """The years named by occurred_at in EVENTS (a regex over the bytes)."""
    with open(events, "rb") as f:
        data = f.read()
    return sorted({m.decode() for m in re.findall(rb'"occurred_at"\s*:\s*"(\d{4})-', data)})


def run(args):
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(args), result.returncode,
                                          result.stderr.decode()[:400]))
    return result.stdout


def timed_ms(args):
    start = time.perf_counter()
    run(args)
    return (time.perf_counter() - start) * 1000


def figures(hoso, db, years):
    """Digest of what a user reads: KPIs of every year both ways, and the alerts."""
    digests = {}
    for year in years:
        for by in ("agency", "procedure"):
            out = run([hoso, "kpi", "--db", db, "--period", year, "--by", by, "--format", "json"])
            digests["kpi %s by %s" % (year, by)] = hashlib.sha256(out).hexdigest()
    digests["alerts"] = hashlib.sha256(run([hoso, "alerts", "--db", db, "--format", "json"])).hexdigest()
    return digests


def ingest_on_pty(hoso, events, db, kill_after_s, total_s):
    """Starts `hoso ingest`, stderr on a pseudo-terminal. Returns (seconds to
    the first progress line with events applied or None, killed, fraction
    of the file done at the last line or None)."""
    leader, follower = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen([hoso, "ingest", "--events", events, "--db", db],
                               stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    first_applying = None
    fraction = None
    buffer = b""
    killed = False
    while True:
        now = time.perf_counter() - started
        if kill_after_s is not None and now >= kill_after_s and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed = True
        ready, _, _ = select.select([leader], [], [], 0.01)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                chunk = b""
            buffer = (buffer + chunk)[-4096:]
            for match in PROGRESS.finditer(buffer):
                fraction = float(match.group(1)) / 100.0
                if first_applying is None and int(match.group(2)) > 0:
                    first_applying = time.perf_counter() - started
            if not chunk and process.poll() is not None:
                break
        elif process.poll() is not None:
            break
        if now > 10 * total_s + 60:
            process.kill()
            sys.exit("ingest did not finish within %.0f s" % now)
    os.close(leader)
    process.wait()
    if not killed and process.returncode != 0:
        sys.exit("ingest failed with exit code %d" % process.returncode)
    return first_applying, killed, fraction


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hoso")
    parser.add_argument("events")
    parser.add_argument("work")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    hoso = os.path.abspath(args.hoso)
    events = os.path.abspath(args.events)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    reference = os.path.join(args.work, "uninterrupted")
    crashed = os.path.join(args.work, "crashed")
    years = years_of(events)

    start = time.perf_counter()
    run([hoso, "ingest", "--events", events, "--db", reference, "--no-progress"])
    total_s = time.perf_counter() - start
    print("uninterrupted ingest: %.2f s; years %s" % (total_s, ",".join(years)), flush=True)

    sample_id = None
    with open(events) as f:
        for line in f:
            match = re.search(r'"dossier_id"\s*:\s*"([^"]+)"', line)
            if match:
                sample_id = match.group(1)
                break

    restarts = []
    kpi_after_crash_ms = []
    history_after_crash_ms = []
    fraction = 0.0
    kills_done = 0
    while kills_done < args.kills:
        left_s = max(0.4, total_s * (1.0 - fraction))
        kill_after = random.uniform(0.3, left_s)
        first, killed, reached = ingest_on_pty(hoso, events, crashed, kill_after, total_s)
        if reached is not None:
            fraction = reached
        if kills_done > 0:  # a start after a kill
            restarts.append((first, killed, kill_after))
        if not killed:
            print("start %d finished before its kill at %.2f s" % (len(restarts), kill_after))
            break
        kills_done += 1
        kpi_after_crash_ms.append(
            timed_ms([hoso, "kpi", "--db", crashed, "--period", years[-1], "--format", "json"]))
        if sample_id is not None:
            history_after_crash_ms.append(timed_ms([hoso, "history", sample_id, "--db", crashed]))
        print("kill %d at %.2f s (%.0f %% done); kpi right after it %.0f ms, history %.0f ms" %
              (kills_done, kill_after, 100 * fraction, kpi_after_crash_ms[-1],
               history_after_crash_ms[-1] if history_after_crash_ms else float("nan")),
              flush=True)
    else:
        first, _, _ = ingest_on_pty(hoso, events, crashed, None, total_s)
        restarts.append((first, False, None))

    for i, (first, killed, kill_after) in enumerate(restarts, 1):
        if first is not None:
            what = "back to applying after %.2f s" % first
        elif killed:
            what = "killed at %.2f s, before its first progress line" % kill_after
        else:
            what = "finished before its first progress line"
        print("restart %d: %s" % (i, what))
    run([hoso, "verify", "--db", reference])
    run([hoso, "verify", "--db", crashed])
    want = figures(hoso, reference, years)
    got = figures(hoso, crashed, years)
    differing = [name for name in want if want[name] != got.get(name)]
    measured = [first for first, _, _ in restarts if first is not None]
    print("summary: %d kills; back to applying max %s; kpi after a crash max %.0f ms; "
          "history after a crash max %s; verify ok on both; figures %s" %
          (kills_done, "%.2f s" % max(measured) if measured else "n/a",
           max(kpi_after_crash_ms) if kpi_after_crash_ms else float("nan"),
           "%.0f ms" % max(history_after_crash_ms) if history_after_crash_ms else "n/a",
           "equal (%d outputs)" % len(want) if not differing else "DIFFER: " + ", ".join(differing)))
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
