"""The web app's latency and memory; called by scripts/bench_serve.sh (see there)."""
import json, os, statistics, subprocess, sys, threading, time, urllib.request, uuid

bin_, big, real, clips, out = sys.argv[1:]


def start(db):
    p = subprocess.Popen([bin_, "serve", "--db", db, "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    return p, line.split("http://")[1].split("/")[0]


def rss_mb(pid, field="VmRSS"):
    """A memory figure of /proc/PID/status in MB (VmRSS counts SQLite's memory-mapped database
    pages, which the kernel can drop; RssAnon is the server's own memory)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024


def fetch(url, data=None, headers=None):
    """(seconds to first byte, seconds to the last byte, status, body); status 0 when the
    connection failed before an answer."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    t0 = time.perf_counter()
    try:
        r = urllib.request.urlopen(req, timeout=600)
    except urllib.error.HTTPError as e:
        r = e
    except (urllib.error.URLError, ConnectionError) as e:
        return time.perf_counter() - t0, time.perf_counter() - t0, 0, str(e).encode()
    first = time.perf_counter() - t0
    body = r.read()
    return first, time.perf_counter() - t0, r.status if hasattr(r, "status") else r.code, body


def multipart(path):
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{os.path.basename(path)}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    body = head.encode() + open(path, "rb").read() + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def median_ms(xs):
    return 1e3 * statistics.median(xs)


results = {}
# 1. The 100k library's pages.
server, addr = start(big)
base = f"http://{addr}"
results["idle_rss_mb_100k"] = rss_mb(server.pid)
pages = {"library page": "/", "search 'rock'": "/?q=rock", "sorted by artist, page 1000": "/?sort=artist&page=1000",
         "library JSON": "/api/tracks", "map JSON (100k points)": "/api/map", "playlist page": "/playlist?track=50000"}
print("| request (100,000 tracks) | first byte, median | full load, median | bytes |")
print("|---|---|---|---|")
for name, path in pages.items():
    fetch(base + path)  # the first map/playlist reads the points into memory
    runs = [fetch(base + path) for _ in range(10)]
    assert all(r[2] == 200 for r in runs), (path, runs[0][2], runs[0][3][:200])
    ttfb, total = median_ms([r[0] for r in runs]), median_ms([r[1] for r in runs])
    print(f"| `{path}` ({name}) | {ttfb:.1f} ms | {total:.1f} ms | {len(runs[0][3]):,} |")
    results[name] = {"ttfb_ms": ttfb, "total_ms": total, "bytes": len(runs[0][3])}
assets = [fetch(base + a)[1] for a in ("/static/style.css", "/static/app.js")]
page = fetch(base + "/")[1] + sum(assets)
print(f"\nlibrary page with its style sheet and script, one after another: {1e3 * page:.1f} ms")
results["rss_after_pages_100k_mb"] = rss_mb(server.pid)
results["anon_after_pages_100k_mb"] = rss_mb(server.pid, "RssAnon")
print(f"server RSS on the 100k library: idle {results['idle_rss_mb_100k']:.0f} MB, after the pages and the map {results['rss_after_pages_100k_mb']:.0f} MB "
      f"(of which its own, RssAnon, {results['anon_after_pages_100k_mb']:.0f} MB; the rest is the memory-mapped database)")
server.terminate(); server.wait()

# 2. Upload -> playlist, against the CLI doing the same.
print("\n| 30-s clip (median of 3) | upload + analysis | + playlist page | CLI `playlist` (same clip) | server / CLI |")
print("|---|---|---|---|---|")
for clip in ("gtzan_country.00000.wav", "lets_go_fishin_30s.mp3"):
    path = os.path.join(clips, clip)
    ups, totals, cli = [], [], []
    for _ in range(3):  # a fresh server each time: the first upload of a song is analysed
        server, addr = start(real)
        base = f"http://{addr}"
        body, headers = multipart(path)
        _, up, status, answer = fetch(base + "/api/analyze", body, headers)
        assert status == 200, answer
        _, page, status, _ = fetch(base + json.loads(answer)["playlist_url"])
        assert status == 200
        server.terminate(); server.wait()
        ups.append(up); totals.append(up + page)
        t0 = time.perf_counter()
        subprocess.run([bin_, "playlist", "--db", real, path], check=True, stdout=subprocess.DEVNULL)
        cli.append(time.perf_counter() - t0)
    up, total, cli_s = statistics.median(ups), statistics.median(totals), statistics.median(cli)
    print(f"| {clip} | {1e3 * up:.0f} ms | {1e3 * total:.0f} ms | {1e3 * cli_s:.0f} ms | {total / cli_s:.2f} |")
    results[clip] = {"upload_ms": 1e3 * up, "upload_and_page_ms": 1e3 * total, "cli_ms": 1e3 * cli_s}

# 3. Memory: idle, and under 50 concurrent uploads of different songs.
server, addr = start(real)
base = f"http://{addr}"
idle = rss_mb(server.pid)
burst = sorted(os.listdir(os.path.join(out, "burst")), key=lambda n: int(n.split(".")[0]))
statuses, peak = [], [idle]
stop = threading.Event()


def sample():
    while not stop.is_set():
        peak.append(rss_mb(server.pid))
        time.sleep(0.05)


def upload(name):
    body, headers = multipart(os.path.join(out, "burst", name))
    statuses.append(fetch(base + "/api/analyze", body, headers)[2])


watcher = threading.Thread(target=sample)
watcher.start()
t0 = time.perf_counter()
threads = [threading.Thread(target=upload, args=(n,)) for n in burst]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - t0
stop.set(); watcher.join()
alive = fetch(base + "/")[2]
after = rss_mb(server.pid)
hwm = rss_mb(server.pid, "VmHWM")
server.terminate(); server.wait()
ok, busy = statuses.count(200), statuses.count(503)
print(f"\n50 concurrent uploads of different 30-s songs (--jobs 2 --queue 16): {ok} analysed (200), {busy} turned away (503), "
      f"{len(statuses) - ok - busy} other, in {wall:.1f} s; server alive afterwards: {alive == 200}")
print(f"server RSS (real-albums library, 95 tracks): idle {idle:.0f} MB, peak under the burst {max(max(peak), hwm):.0f} MB, after {after:.0f} MB")
results["burst"] = {"ok": ok, "busy": busy, "wall_s": wall, "idle_rss_mb": idle, "peak_rss_mb": max(max(peak), hwm), "after_rss_mb": after}
json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=2)
