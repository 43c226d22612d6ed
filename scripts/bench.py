"""The load benchmark of issue 5, in one run: for each database and size, a fresh database
seeded with `hearth seed --scale N`, the release server on 127.0.0.1, and wrk at 16 and 64
connections against

  (a) GET /health/live                               the framework's ceiling
  (b) GET /v1/meetings/{id}                          one meeting
  (c) in person within 10 km, starting in a 2-hour window, 25 results
  (d) online, in progress now

and, on PostgreSQL, pgbench running the very statements (b), (c) and (d) send (captured from
the server log), for the database's ceiling. (c)'s window opens at the coming 18:00 in New York
rather than at the moment the benchmark runs: the query is the same, and at 3 a.m. there is
nothing to find. Prints a Markdown table; see scripts/bench.

Environment: BENCH_SIZES (default "10000 100000 1000000"), BENCH_DATABASES ("postgres sqlite"),
BENCH_SECONDS (10), BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_POOL_SIZE (twice the
cores plus one), HEARTH_BIN.
"""

import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zoneinfo

BIN = os.environ.get("HEARTH_BIN", "target/release/hearth")
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000 100000 1000000").split()]
DATABASES = os.environ.get("BENCH_DATABASES", "postgres sqlite").split()
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "hearth_bench"
CONNECTIONS = [16, 64]
# Twice the cores plus one, the usual sizing for a database on the same machine: a bigger pool
# only queues the same work inside PostgreSQL, where waiting costs context switches.
POOL_SIZE = os.environ.get("BENCH_POOL_SIZE", str(2 * len(os.sched_getaffinity(0)) + 1))
# Lower Manhattan: a dense part of the generated New York area.
NEAR = "40.7128,-74.0060"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def evening_in_new_york():
    """The coming 18:00 in New York, in UTC: the start of the evening's meetings."""
    now = dt.datetime.now(NEW_YORK)
    evening = now.replace(hour=18, minute=0, second=0, microsecond=0)
    if evening <= now:
        evening = (now + dt.timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    return evening.astimezone(dt.timezone.utc)


def log(message):
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def psql(sql, database="postgres"):
    return subprocess.run(
        ["psql", f"{PG}/{database}", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def wrk(url, connections):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def percentile(p):
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if non_2xx or errors:
        raise SystemExit(f"wrk saw failures for {url}:\n{out}")
    return rps, percentile(50), percentile(99)


def pgbench(script, connections):
    with tempfile.TemporaryDirectory() as logs:
        path = os.path.join(logs, "bench.sql")
        with open(path, "w") as f:
            f.write(script)
        subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-c", str(connections), "-j", "2", "-T", str(SECONDS), "-l",
             "--log-prefix", os.path.join(logs, "log"), "-f", path, f"{PG}/{PG_DB}"],
            check=True, capture_output=True, text=True,
        )
        latencies = []
        for name in os.listdir(logs):
            if name.startswith("log"):
                with open(os.path.join(logs, name)) as f:
                    latencies += [int(line.split()[2]) / 1000.0 for line in f]
    count = len(latencies)
    latencies.sort()
    return count / SECONDS, latencies[count // 2], latencies[min(count - 1, count * 99 // 100)]


def postgres_log():
    clusters = subprocess.run(["pg_lsclusters", "-h"], check=True, capture_output=True,
                              text=True).stdout.split()
    return clusters[6]


def captured_statements(url, paths):
    """Runs each path once on a server of its own with every statement logged (new sessions
    pick the setting up), and answers, per path, the statements the server sent, with their
    parameters written in."""
    logfile = postgres_log()
    psql(f"ALTER DATABASE {PG_DB} SET log_statement = 'all'")
    scripts = []
    server, base = serve(url)
    try:
        for path in paths:
            # A first call warms the connection up (session settings, type lookups); the
            # second comes after the second for which anonymous reads are kept.
            with urllib.request.urlopen(base + path) as response:
                response.read()
            time.sleep(1.2)
            start = os.path.getsize(logfile)
            with urllib.request.urlopen(base + path) as response:
                response.read()
            time.sleep(0.5)
            with open(logfile, errors="replace") as f:
                f.seek(start)
                text = f.read()
            statements = []
            pending = None
            for line in text.splitlines():
                m = re.search(r"LOG:\s+(?:execute [^:]*|statement): (.*)$", line)
                if m:
                    if pending:
                        statements.append(pending)
                    pending = m.group(1)
                    continue
                m = re.search(r"DETAIL:\s+[Pp]arameters: (.*)$", line)
                if m and pending:
                    params = dict(re.findall(r"\$(\d+) = ((?:'(?:[^']|'')*')|NULL)", m.group(1)))
                    for n in sorted(params, key=int, reverse=True):
                        pending = pending.replace(f"${n}", params[n])
                    statements.append(pending)
                    pending = None
            if pending:
                statements.append(pending)
            # The pool's liveness check goes out at most once a second per connection, not
            # once a request: under load it is no part of what a request costs.
            statements = [s for s in statements
                          if not s.startswith(("BEGIN", "COMMIT", "SET", "SELECT 1"))]
            scripts.append("".join(s.rstrip(";") + ";\n" for s in statements))
    finally:
        server.terminate()
        server.wait()
        psql(f"ALTER DATABASE {PG_DB} RESET log_statement")
    return scripts


def serve(url):
    port = free_port()
    # As the README recommends for production: glibc's default of eight malloc arenas per
    # core lets the threads of 64 connections fragment tens of MiB more.
    env = dict(os.environ, RUST_LOG="warn", MALLOC_ARENA_MAX="2")
    server = subprocess.Popen(
        [BIN, "serve", "--bind", f"127.0.0.1:{port}", "--database-url", url,
         "--database-pool-size", POOL_SIZE],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/health/ready").read()
            return server, base
        except OSError:
            if server.poll() is not None:
                raise SystemExit(server.stderr.read())
            time.sleep(0.1)
    raise SystemExit("the server did not become ready")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(database, size, rows):
    work = tempfile.mkdtemp()
    try:
        if database == "postgres":
            psql(f"DROP DATABASE IF EXISTS {PG_DB}")
            psql(f"CREATE DATABASE {PG_DB}")
            url = f"{PG}/{PG_DB}"
        else:
            url = f"sqlite://{work}/bench.db"
        log(f"{database}, {size} meetings: seeding")
        started = time.time()
        subprocess.run([BIN, "seed", "--scale", str(size), "--database-url", url], check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ, RUST_LOG="warn"))
        seeded = time.time() - started
        log(f"{database}, {size} meetings: seeded in {seeded:.0f} s")
        server, base = serve(url)
        try:
            meeting = get(base + "/v1/meetings?limit=1")["items"][0]["meeting"]["id"]
            opens = evening_in_new_york()
            near = "/v1/meetings?" + urllib.parse.urlencode({
                "near": NEAR, "radius_km": 10, "attendance_mode": "in_person",
                "starts_after": opens.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "starts_before": (opens + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "limit": 25})
            now = "/v1/meetings?in_progress=true&attendance_mode=online&limit=25"
            found = {"c": len(get(base + near)["items"]), "d": len(get(base + now)["items"])}
            server.terminate()
            server.wait()
            targets = [("a", "/health/live"), ("b", f"/v1/meetings/{meeting}"), ("c", near), ("d", now)]
            if database == "postgres":
                scripts = dict(zip("bcd", captured_statements(url, [path for _, path in targets[1:]])))
                log("  statements sent: " + ", ".join(f"({name}) {script.count(';')}"
                                                       for name, script in scripts.items()))
            server, base = serve(url)
            for name, path in targets:
                for connections in CONNECTIONS:
                    rps, p50, p99 = wrk(base + path, connections)
                    rows.append((database, size, name, connections, rps, p50, p99))
                    log(f"  ({name}) c={connections}: {rps:.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
            memory = peak_rss_mib(server.pid)
            if database == "postgres":
                for name, script in scripts.items():
                    name = f"pgbench {name}"
                    for connections in CONNECTIONS:
                        rps, p50, p99 = pgbench(script, connections)
                        rows.append((database, size, name, connections, rps, p50, p99))
                        log(f"  ({name}) c={connections}: {rps:.0f} tps, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
            return seeded, memory, found
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    rows, notes = [], []
    for database in DATABASES:
        for size in SIZES:
            seeded, memory, found = run(database, size, rows)
            notes.append(f"| {database} | {size:,} | {seeded:.0f} s | {memory:.1f} MiB | "
                         f"{found['c']} | {found['d']} |")
    print("| database | meetings | call | connections | req/s | p50 ms | p99 ms |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for database, size, name, connections, rps, p50, p99 in rows:
        print(f"| {database} | {size:,} | {name} | {connections} | {rps:,.0f} | {p50:.2f} | {p99:.2f} |")
    print()
    measured = {(r[0], r[1], r[2], r[3]): r for r in rows}
    print("| database | meetings | connections | (b)/(a) | (c)/pgbench c | (d)/pgbench d | (c) p99 vs smallest | (d) p99 vs smallest |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    smallest = min(SIZES)
    for database in DATABASES:
        for size in SIZES:
            for connections in CONNECTIONS:
                m = lambda name, db=database, n=size: measured.get((db, n, name, connections))
                ratio = lambda x, y: f"{x[4] / y[4]:.2f}" if x and y else "–"
                growth = lambda x, y: f"{x[6] / y[6]:.2f}×" if x and y else "–"
                print(f"| {database} | {size:,} | {connections} | {ratio(m('b'), m('a'))} | "
                      f"{ratio(m('c'), m('pgbench c'))} | {ratio(m('d'), m('pgbench d'))} | "
                      f"{growth(m('c'), m('c', n=smallest))} | {growth(m('d'), m('d', n=smallest))} |")
    print()
    print("| database | meetings | seeding | server peak RSS | (c) results | (d) results |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
