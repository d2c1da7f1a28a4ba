#!/usr/bin/env python3
"""How fast a partition's new owner restores it (issue 12; BENCHMARKS.md "Restore").

On the embedded broker (`hoso broker`, 64 partitions, in memory):
  1. produces EVENTS (the 1M-event loadgen year) keyed by dossier;
  2. raw limit, in the same run: kcat reads the whole topic from the beginning
     (records/s of a plain consumer that applies nothing);
  3. `hoso serve` A consumes everything (group hoso-restore-bench);
  4. `hoso serve` B starts with an empty database in the same group: the
     group gives it half the partitions, which it restores from their first
     record up to A's committed offsets.
It prints B's restored records, the seconds from its first restore to its
last (records/s, and the ratio to kcat's rate), and the seconds from B's
assignment until its /readyz answers 200 (serving again).

usage: restore.py HOSO EVENTS WORK [--partitions 64] [--serve-setting KEY=VALUE ...]

--serve-setting adds a key of the serve config (docs/kafka.md) to both
instances, e.g. merge_max_held_records=400000 or kafka.fetch.wait.max.ms=50;
a value that parses as JSON is passed as such, otherwise as a string.
"""
import argparse
import calendar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request


def wait_file(path, limit_s):
    deadline = time.time() + limit_s
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        time.sleep(0.1)
    sys.exit("no %s after %d s" % (path, limit_s))


def http_get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def serve(hoso, work, name, bootstrap, settings):
    config = {
        "kafka.bootstrap.servers": bootstrap,
        "kafka.group.id": "hoso-restore-bench",
        # Dynamic members: the embedded broker ignores group.instance.id.
        "kafka.group.instance.id": "",
        "kafka.session.timeout.ms": 6000,
        "kafka.heartbeat.interval.ms": 500,
        "kafka.fetch.wait.max.ms": 10,
        "db": os.path.join(work, name + "-db"),
        "clock": "event",
        "http": {"listen": "127.0.0.1:0", "port_file": os.path.join(work, name + ".port")},
    }
    config.update(settings)
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        json.dump(config, f)
    log = open(os.path.join(work, name + ".log"), "w")
    process = subprocess.Popen([hoso, "-v", "serve", "--config", path], stdout=log,
                               stderr=subprocess.STDOUT)
    port = wait_file(os.path.join(work, name + ".port"), 60)
    return process, port, os.path.join(work, name + ".log")


def peak_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return "%.0f" % (int(line.split()[1]) / 1024)
    except OSError:
        pass
    return "?"


def log_time(line):
    # "2026-12-02T20:02:40.717Z ..." (UTC)
    return calendar.timegm(time.strptime(line[:19], "%Y-%m-%dT%H:%M:%S")) + float(line[19:23])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hoso")
    parser.add_argument("events")
    parser.add_argument("work")
    parser.add_argument("--partitions", type=int, default=64)
    parser.add_argument("--serve-setting", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    # serve reads the paths of its config relative to the config file's directory
    # (docs/kafka.md): give it absolute ones.
    args.work = os.path.abspath(args.work)
    settings = {}
    for setting in args.serve_setting:
        key, sep, value = setting.partition("=")
        if not sep:
            sys.exit("--serve-setting wants KEY=VALUE, not %r" % setting)
        try:
            settings[key] = json.loads(value)
        except ValueError:
            settings[key] = value
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    total = sum(1 for _ in open(args.events))

    bootstrap_file = os.path.join(args.work, "bootstrap")
    broker = subprocess.Popen([args.hoso, "broker", "--partitions", str(args.partitions),
                               "--bootstrap-file", bootstrap_file],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = [broker]
    try:
        bootstrap = wait_file(bootstrap_file, 20)
        started = time.time()
        subprocess.run([args.hoso, "produce", "--brokers", bootstrap, "--file", args.events,
                        "--no-progress"], check=True)
        print("produced %d records in %.1f s" % (total, time.time() - started), flush=True)

        started = time.time()
        read = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", "hoso.dossier-events", "-o",
                               "beginning", "-e", "-q", "-f", "\n"], stdout=subprocess.PIPE,
                              check=True)
        raw_seconds = time.time() - started
        raw_records = read.stdout.count(b"\n")
        raw_rate = raw_records / raw_seconds
        print("raw: kcat read %d records in %.2f s: %.0f records/s" %
              (raw_records, raw_seconds, raw_rate), flush=True)

        a, a_port, _ = serve(args.hoso, args.work, "a", bootstrap, settings)
        processes.append(a)
        started = time.time()
        while True:
            status, text = http_get(a_port, "/metrics")
            consumed = metric(text, "hoso_records_consumed_total") if status == 200 else None
            if consumed is not None and consumed >= total:
                break
            if time.time() - started > 600:
                sys.exit("serve a consumed %s of %d records in 600 s" % (consumed, total))
            time.sleep(0.5)
        print("serve a consumed everything in %.1f s" % (time.time() - started), flush=True)
        time.sleep(2)  # its last offsets committed

        b_started = time.time()
        b, b_port, b_log = serve(args.hoso, args.work, "b", bootstrap, settings)
        processes.append(b)
        ready_at = None
        while time.time() - b_started < 600:
            status, _ = http_get(b_port, "/readyz")
            text = open(b_log).read()
            # Ready after its assignment, with every restore it began finished.
            if (status == 200 and " kafka: assigned " in text and
                    text.count(" restored: ") == text.count(" restores from ")):
                ready_at = time.time()
                break
            time.sleep(0.05)
        if ready_at is None:
            sys.exit("serve b never became ready; see %s" % b_log)
        time.sleep(1)
        text = open(b_log).read()
        assigned = [log_time(l) for l in text.splitlines() if " kafka: assigned " in l]
        starts = [(log_time(l), int(m.group(1))) for l in text.splitlines()
                  for m in [re.search(r"restores from offset \d+ to \d+ \((\d+) records\)", l)] if m]
        ends = [log_time(l) for l in text.splitlines() if " restored: " in l]
        partitions = len(starts)
        restored = sum(n for _, n in starts)
        seconds = (max(ends) - min(t for t, _ in starts)) if starts and ends else float("nan")
        rate = restored / seconds if seconds == seconds and seconds > 0 else float("nan")
        serving = ready_at - (assigned[0] if assigned else b_started)
        print("restore: %d partitions, %d records in %.2f s: %.0f records/s (%.3f of kcat)" %
              (partitions, restored, seconds, rate, rate / raw_rate), flush=True)
        print("serving again %.2f s after the assignment (%.2f s after start)" %
              (serving, ready_at - b_started), flush=True)
        print("peak RSS: serve a %s MiB, serve b %s MiB" % (peak_mib(a.pid), peak_mib(b.pid)),
              flush=True)
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
