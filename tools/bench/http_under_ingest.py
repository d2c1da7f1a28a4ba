#!/usr/bin/env python3
# The HTTP benchmark of BENCHMARKS.md: while `hoso ingest` applies EVENTS
# (a loadgen year) into a database that `hoso http` serves, CLIENTS threads
# request PATH (keep-alive), each at RATE requests/s (0: as fast as it can);
# prints the ingest rate and the latency percentiles. CLIENTS 0: no server,
# the baseline ingest rate. Work files go to WORK (removed first).
#
#   tools/bench/http_under_ingest.py HOSO EVENTS WORK CLIENTS [PATH] [RATE]
import http.client, os, shutil, subprocess, sys, threading, time
if len(sys.argv) < 5:
    sys.exit(__doc__ or 'usage: http_under_ingest.py HOSO EVENTS WORK CLIENTS [PATH] [RATE]')
H = sys.argv[1]; events = sys.argv[2]; work = sys.argv[3]; clients = int(sys.argv[4]); path = sys.argv[5] if len(sys.argv) > 5 else '/v1/kpi?period=2019'
rate = float(sys.argv[6]) if len(sys.argv) > 6 else 0  # requests/s per client; 0: closed loop
shutil.rmtree(work, ignore_errors=True); os.makedirs(work)
db = work + '/db'
with open(events) as f, open(work + '/head.jsonl', 'w') as out:
    for i, line in enumerate(f):
        if i >= 1000: break
        out.write(line)
subprocess.run([H, 'ingest', '--events', work + '/head.jsonl', '--db', db, '--no-progress'], check=True, capture_output=True)
server = None
if clients > 0:
    server = subprocess.Popen([H, 'http', '--db', db, '--listen', '127.0.0.1:0', '--port-file', work + '/port'], stderr=subprocess.DEVNULL)
    while not os.path.exists(work + '/port'): time.sleep(0.05)
    port = int(open(work + '/port').read())
lat = []; lock = threading.Lock(); done = threading.Event(); errors = [0]
def client():
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    mine = []
    while not done.is_set():
        t = time.perf_counter(); c.request('GET', path); r = c.getresponse(); r.read()
        mine.append((time.perf_counter() - t) * 1000)
        if r.status != 200: errors[0] += 1
        if rate > 0:
            pause = 1.0 / rate - (time.perf_counter() - t)
            if pause > 0: time.sleep(pause)
    with lock: lat.extend(mine)
threads = [threading.Thread(target=client) for _ in range(clients)]
t0 = time.perf_counter()
for t in threads: t.start()
ing = subprocess.run([H, 'ingest', '--events', events, '--db', db, '--no-progress'], capture_output=True, text=True)
wall = time.perf_counter() - t0
done.set()
for t in threads: t.join()
if server: server.terminate(); server.wait()
last = [l for l in ing.stdout.splitlines() if 'events/s' in l]
print('ingest:', last[-1] if last else ing.stdout[-300:], f'(wall {wall:.2f} s)')
if lat:
    lat.sort(); n = len(lat)
    print(f'{clients} clients ({"closed loop" if rate == 0 else str(rate) + "/s each"}) on {path}: {n} requests, {n / wall:.0f}/s, p50 {lat[n // 2]:.1f} ms, p99 {lat[int(n * 0.99)]:.1f} ms, max {lat[-1]:.1f} ms, non-200 {errors[0]}')
