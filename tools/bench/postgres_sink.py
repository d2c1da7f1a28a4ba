#!/usr/bin/env python3
"""What the PostgreSQL BI sink costs (issue 11; BENCHMARKS.md "PostgreSQL BI sink").

Starts a private PostgreSQL 15 cluster (initdb in WORK, Unix socket only, the
server's default settings: fsync on), then runs alternated pairs A B A B ...:

  ingest  A: hoso ingest --events EVENTS --db fresh --postgres DSN (into a fresh
             schema; the process ends once PostgreSQL holds everything)
          B: the same without --postgres
  kafka   A: hoso bench kafka --events N --latency-seconds 20 --latency-rate 10000 --postgres DSN
          B: the same without --postgres

and prints each pair's figures and the medians: the wall ratio B/A for ingest
(the share of its rate ingest keeps with the sink), the engine end-to-end
rates of bench kafka's phase (b) and their ratio, and the sink lag of phase (c).

usage: postgres_sink.py HOSO EVENTS WORK [--pairs N] [--kafka-events N] [--only ingest|kafka]
"""
import argparse
import json
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import time

PG_BIN = "/usr/lib/postgresql/15/bin/"
USER = "hoso_bench"


def as_postgres(argv):
    if os.geteuid() == 0:
        return ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv
    return argv


def start_cluster(work):
    pg = os.path.join(work, "pg")
    shutil.rmtree(pg, ignore_errors=True)
    os.makedirs(pg)
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(pg, entry.pw_uid, entry.pw_gid)
    subprocess.run(as_postgres([PG_BIN + "initdb", "-D", pg + "/data", "-A", "trust", "-U", USER,
                                "-E", "UTF8"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_postgres([PG_BIN + "pg_ctl", "-D", pg + "/data", "-o",
                                "-k " + pg + " -c listen_addresses=''", "-l", pg + "/server.log",
                                "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
    return pg, "host=%s user=%s dbname=postgres" % (pg, USER)


def stop_cluster(pg):
    subprocess.run(as_postgres([PG_BIN + "pg_ctl", "-D", pg + "/data", "-m", "fast", "-w",
                                "stop"]), stdout=subprocess.DEVNULL)


def fresh_schema(hoso, dsn):
    subprocess.run([PG_BIN + "psql", "-X", "-q", "-d", dsn, "-c",
                    "SET client_min_messages = warning; DROP SCHEMA IF EXISTS hoso CASCADE"], check=True)
    subprocess.run([hoso, "postgres", "init", "--dsn", dsn], check=True,
                   stdout=subprocess.DEVNULL)


def timed(argv):
    started = time.monotonic()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(argv), result.stderr[-2000:]))
    return time.monotonic() - started, result.stdout


def ingest_pairs(args, dsn):
    ratios = []
    db = os.path.join(args.work, "db")
    for pair in range(args.pairs + 1):  # the first pair warms up, not counted
        shutil.rmtree(db, ignore_errors=True)
        fresh_schema(args.hoso, dsn)
        a, _ = timed([args.hoso, "ingest", "--events", args.events, "--db", db, "--no-progress",
                      "--postgres", dsn])
        shutil.rmtree(db, ignore_errors=True)
        b, _ = timed([args.hoso, "ingest", "--events", args.events, "--db", db, "--no-progress"])
        if pair == 0:
            continue
        ratios.append(b / a)
        print("ingest pair %d: with sink %.2f s, without %.2f s, rate kept %.3f" %
              (pair, a, b, b / a), flush=True)
    print("ingest: rate kept with the sink, median %.3f (min %.3f, max %.3f)" %
          (statistics.median(ratios), min(ratios), max(ratios)), flush=True)


def kafka_figures(output):
    """(engine end-to-end events/s of phase (b), sink lag p99 s of phase (c)) from bench kafka's JSON."""
    report = json.loads(output[output.index("{"):])
    return report.get("engine_end_to_end_events_per_s"), report.get("postgres_lag_p99_s")


def kafka_pairs(args, dsn):
    ratios, lags = [], []
    common = ["bench", "kafka", "--events", str(args.kafka_events), "--latency-seconds", "20",
              "--latency-rate", "10000"]
    for pair in range(1, args.pairs + 1):
        fresh_schema(args.hoso, dsn)
        _, out_a = timed([args.hoso] + common + ["--postgres", dsn])
        _, out_b = timed([args.hoso] + common)
        rate_a, lag_a = kafka_figures(out_a)
        rate_b, _ = kafka_figures(out_b)
        if rate_a is None or rate_b is None:
            sys.exit("cannot read bench kafka's output:\n" + out_a[-3000:])
        ratios.append(rate_a / rate_b)
        if lag_a is not None:
            lags.append(lag_a)
        print("kafka pair %d: with sink %.0f events/s, without %.0f, ratio %.3f, sink lag p99 %s s"
              % (pair, rate_a, rate_b, rate_a / rate_b, lag_a), flush=True)
    print("kafka: rate ratio median %.3f (min %.3f, max %.3f); sink lag p99 median %s s" %
          (statistics.median(ratios), min(ratios), max(ratios),
           statistics.median(lags) if lags else "?"), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hoso")
    parser.add_argument("events")
    parser.add_argument("work")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--kafka-events", type=int, default=400000)
    parser.add_argument("--only", choices=["ingest", "kafka"])
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    pg, dsn = start_cluster(args.work)
    try:
        if args.only != "kafka":
            ingest_pairs(args, dsn)
        if args.only != "ingest":
            kafka_pairs(args, dsn)
    finally:
        stop_cluster(pg)


if __name__ == "__main__":
    main()
