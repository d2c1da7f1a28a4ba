#!/usr/bin/env python3
"""The query rows of BENCHMARKS.md: whole-process latency of `hoso history`
for 200 dossiers sampled (seed 7) from EVENTS, and of `hoso kpi` for a live
and a past period (30 runs each), against the database DB that EVENTS was
ingested into. Prints p50 / p99 / max in ms.

  tools/bench/query_latency.py HOSO DB EVENTS [LIVE_PERIOD] [PAST_PERIOD]
"""
import json, random, subprocess, sys, time

if len(sys.argv) < 4:
    sys.exit(__doc__)
hoso, db, events = sys.argv[1:4]
live = sys.argv[4] if len(sys.argv) > 4 else '2020'
past = sys.argv[5] if len(sys.argv) > 5 else '2019'
ids = []
with open(events) as f:
    for i, line in enumerate(f):
        if i % 997 == 0:
            # Agency events (dialogues, feedback) carry no dossier id.
            dossier_id = json.loads(line).get('dossier_id')
            if dossier_id:
                ids.append(dossier_id)
random.seed(7)
sample = random.sample(ids, min(200, len(ids)))


def timed(args):
    start = time.perf_counter()
    result = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ms = (time.perf_counter() - start) * 1000
    if result.returncode != 0:
        sys.exit(f'{" ".join(args)} failed: {result.stderr.decode()[:300]}')
    return ms


def report(name, times):
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    print(f'{name} ({len(times)} runs): p50 {times[len(times) // 2]:.1f} ms, '
          f'p99 {p99:.1f} ms, max {times[-1]:.1f} ms')


report('history ID', [timed([hoso, 'history', i, '--db', db]) for i in sample])
report(f'kpi --period {live}', [timed([hoso, 'kpi', '--db', db, '--period', live]) for _ in range(30)])
report(f'kpi --period {past}', [timed([hoso, 'kpi', '--db', db, '--period', past]) for _ in range(30)])
