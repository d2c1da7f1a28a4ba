#!/usr/bin/env python3
"""The HTTP benchmark of BENCHMARKS.md: while a writer applies EVENTS (a
loadgen year) at full speed, CLIENTS threads request PATH (keep-alive), each
at RATE requests/s (0: as fast as it can); prints the writer's rate and the
latency percentiles. CLIENTS 0: no requests, the writer's baseline rate.
Work files go to WORK (removed first).

WRITER `ingest`: `hoso ingest` into a database that `hoso http` serves.
WRITER `serve`: the events are produced to `hoso broker` (128 partitions, as
`hoso bench kafka`, so nothing passes the embedded broker's 5 MiB cap) and
`hoso serve` consumes them and answers the requests itself; its rate is
applied events over the time from its start to the last event applied (read
from its /metrics).

  tools/bench/http_under_load.py HOSO WRITER EVENTS WORK CLIENTS [PATH] [RATE]
"""
import http.client, json, os, shutil, subprocess, sys, threading, time

if len(sys.argv) < 6 or sys.argv[2] not in ('ingest', 'serve'):
    sys.exit(__doc__)
H, writer, events, work = sys.argv[1:5]
# serve reads the paths of its config relative to the config file's directory
# (docs/kafka.md): give it absolute ones.
work = os.path.abspath(work)
clients = int(sys.argv[5])
path = sys.argv[6] if len(sys.argv) > 6 else '/v1/kpi?period=2019'
rate = float(sys.argv[7]) if len(sys.argv) > 7 else 0  # requests/s per client; 0: closed loop
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
db = work + '/db'
port_file = work + '/port'
total_events = sum(1 for _ in open(events))


def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while not cond():
        if time.time() > deadline:
            sys.exit('timed out')
        time.sleep(0.05)


def metric(port, name):
    """The value of an unlabelled sample of serve's /metrics; 0 when the
    request fails (serve answers under load, a retry comes soon)."""
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        c.request('GET', '/metrics')
        for line in c.getresponse().read().decode().splitlines():
            if line.startswith(name + ' '):
                return float(line.split()[1])
    except (OSError, http.client.HTTPException):
        pass
    return 0.0


procs = []
if writer == 'ingest':
    with open(events) as f, open(work + '/head.jsonl', 'w') as out:
        for i, line in enumerate(f):
            if i >= 1000:
                break
            out.write(line)
    subprocess.run([H, 'ingest', '--events', work + '/head.jsonl', '--db', db, '--no-progress'],
                   check=True, capture_output=True)
    if clients > 0:
        procs.append(subprocess.Popen([H, 'http', '--db', db, '--listen', '127.0.0.1:0',
                                       '--port-file', port_file], stderr=subprocess.DEVNULL))
        wait_for(lambda: os.path.exists(port_file) and os.path.getsize(port_file) > 0, 30)
else:
    bootstrap_file = work + '/bootstrap'
    procs.append(subprocess.Popen([H, 'broker', '--partitions', '128', '--bootstrap-file',
                                   bootstrap_file], stderr=subprocess.DEVNULL))
    wait_for(lambda: os.path.exists(bootstrap_file) and os.path.getsize(bootstrap_file) > 0, 30)
    bootstrap = open(bootstrap_file).read().strip()
    subprocess.run([H, 'produce', '--brokers', bootstrap, '--file', events, '--no-progress'],
                   check=True, capture_output=True)
    config = {'kafka.bootstrap.servers': bootstrap, 'kafka.group.id': 'bench',
              'kafka.fetch.wait.max.ms': 10, 'db': db, 'clock': 'event',
              'batch_max_records': 8192,
              'http': {'listen': '127.0.0.1:0', 'port_file': port_file}}
    json.dump(config, open(work + '/serve.json', 'w'))

lat = []
lock = threading.Lock()
done = threading.Event()
errors = [0]


def client(port):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    mine = []
    while not done.is_set():
        t = time.perf_counter()
        try:
            c.request('GET', path)
            r = c.getresponse()
            r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            c.close()  # reconnects on the next request
            status = 0
        mine.append((time.perf_counter() - t) * 1000)
        if status != 200:
            errors[0] += 1
        if rate > 0:
            pause = 1.0 / rate - (time.perf_counter() - t)
            if pause > 0:
                time.sleep(pause)
    with lock:
        lat.extend(mine)


threads = []
t0 = time.perf_counter()
if writer == 'ingest':
    if clients > 0:
        port = int(open(port_file).read())
        threads = [threading.Thread(target=client, args=(port,), daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
    ing = subprocess.run([H, 'ingest', '--events', events, '--db', db, '--no-progress'],
                         capture_output=True, text=True)
    wall = time.perf_counter() - t0
    last = [l for l in ing.stdout.splitlines() if 'events/s' in l]
    summary = 'ingest: ' + (last[-1] if last else ing.stdout[-300:]) + f' (wall {wall:.2f} s)'
else:
    serve = subprocess.Popen([H, 'serve', '--config', work + '/serve.json'],
                             stderr=open(work + '/serve.log', 'w'))
    procs.insert(0, serve)
    wait_for(lambda: os.path.exists(port_file) and os.path.getsize(port_file) > 0, 60)
    port = int(open(port_file).read())
    threads = [threading.Thread(target=client, args=(port,), daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    # Polled twice a second: one more light client, the same with or without CLIENTS.
    wait_for(lambda: metric(port, 'hoso_events_applied_total') +
             metric(port, 'hoso_events_duplicate_total') >= total_events, 1800)
    wall = time.perf_counter() - t0
    summary = f'serve: {total_events} events in {wall:.2f} s = {total_events / wall:.0f} events/s'
done.set()
for t in threads:
    t.join()
for p in procs:
    p.terminate()
    p.wait()
print(summary)
if lat:
    lat.sort()
    n = len(lat)
    mode = 'closed loop' if rate == 0 else f'{rate}/s each'
    print(f'{clients} clients ({mode}) on {path}: {n} requests, {n / wall:.0f}/s, '
          f'p50 {lat[n // 2]:.1f} ms, p99 {lat[int(n * 0.99)]:.1f} ms, max {lat[-1]:.1f} ms, '
          f'non-200 {errors[0]}')
