#!/usr/bin/env python3
"""Turns the raw output of tests/bench/run.sh (a results directory) into results.md on stdout."""
import re
import sys
from pathlib import Path

CASES = [
    ("a-upstream", "(a) upstream directly", "GET /"),
    ("b-nginx", "(b) nginx reverse proxy", "GET /"),
    ("c-homegate", "(c) homegate pass-through", "GET /"),
    ("e-yarp", "(e) bare YARP pass-through", "GET /"),
    ("d-signup", "(d) homegate gated signups", "POST /signup?signup_token=<permit>"),
    ("f-signup-code", "(f) homegate gated signups with codes", "POST /signup?signup_token=<code>"),
    ("h-signup-2hs", "(h) gated signups with codes, two homeservers", "POST /signup?signup_token=<code>, Host alternating"),
    ("i-shared", "(i) homegate pass-through, two homeservers", "GET /"),
]
# Measured in alternating rounds (NAME.rN.*); the results table shows each field's median.
ROUND_CASES = ("b-nginx", "c-homegate", "e-yarp", "i-shared")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def kv(path):
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if " " in line:
                k, v = line.split(" ", 1)
                out[k] = v.strip()
    return out


def parse_wrk(text):
    r = {}
    if m := re.search(r"Requests/sec:\s*([\d.]+)", text):
        r["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text):
        r["requests"] = int(m.group(1))
        r["seconds"] = ms(m.group(2) + m.group(3)) / 1000.0
    for pct in ("50", "75", "90", "99"):
        if m := re.search(rf"^\s*{pct}%\s+(\S+)", text, re.M):
            r["p" + pct] = ms(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text):
        r["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        r["socket_errors"] = sum(int(g) for g in m.groups())
        r["socket_detail"] = m.group(0)
    for key in ("signup_2xx", "signup_non2xx", "signup_threads_exhausted"):
        if m := re.search(rf"^{key} (\d+)", text, re.M):
            r[key] = int(m.group(1))
    if m := re.search(r"^signup_non2xx_statuses (.*)$", text, re.M):
        r["signup_statuses"] = m.group(1).strip()
    return r


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def load_run(d, key, nproc):
    """One measured run (files KEY.txt, KEY.cpu, KEY.loadavg) with per-request CPU and machine shares."""
    txt = d / f"{key}.txt"
    r = parse_wrk(txt.read_text()) if txt.exists() else {}
    r.update({k: float(v) for k, v in kv(d / f"{key}.cpu").items()})
    r["loadavg"] = (d / f"{key}.loadavg").read_text().strip() if (d / f"{key}.loadavg").exists() else "n/a"
    r["errors"] = r.get("non2xx", 0) + r.get("socket_errors", 0)
    if "signup_non2xx" in r:
        r["errors"] = r["signup_non2xx"] + r.get("socket_errors", 0)
    n = r.get("requests")
    if n:
        r["proxy_us"] = r["proxy_cpu_s"] / n * 1e6 if r.get("proxy_cpu_s") is not None else None
        r["backend_us"] = r["backend_cpu_s"] / n * 1e6 if r.get("backend_cpu_s") is not None else None
    window = r.get("window_s") or r.get("seconds")
    if r.get("machine_busy_s") is not None and window:
        r["busy_pct"] = 100.0 * r["machine_busy_s"] / (nproc * window)
        used = r["machine_busy_s"] - r.get("proxy_cpu_s", 0) - r.get("backend_cpu_s", 0) - r.get("wrk_cpu_s", 0)
        r["other_pct"] = 100.0 * max(used, 0) / (nproc * window)
    return r


def load_rounds(d, key, nproc):
    """Every round of a pass-through case, in round order."""
    found = sorted((int(m.group(1)), p.name[: -len(".txt")]) for p in d.glob(f"{key}.r*.txt")
                   if (m := re.fullmatch(rf"{re.escape(key)}\.r(\d+)\.txt", p.name)))
    return [dict(load_run(d, name, nproc), round=i) for i, name in found]


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def median_row(runs):
    """Field-wise medians over the rounds (errors: the sum; peak memory: the largest)."""
    if not runs:
        return {"errors": 0, "loadavg": "n/a"}
    row = {}
    for field in ("rps", "p50", "p99", "proxy_us", "backend_us", "busy_pct", "other_pct", "requests",
                  "proxy_cpu_s", "backend_cpu_s", "seconds"):
        row[field] = median([r.get(field) for r in runs])
    row["errors"] = sum(r.get("errors", 0) for r in runs)
    row["vmhwm_kb"] = max(r.get("vmhwm_kb", 0) for r in runs)
    row["loadavg"] = " / ".join(r["loadavg"].split()[0] for r in runs if r.get("loadavg", "n/a") != "n/a")
    row["rounds"] = len(runs)
    return row


def us_per(row):
    """homegate CPU µs per request of a case, or None."""
    r = ratio(row.get("proxy_cpu_s"), row.get("requests"))
    return None if r is None else r * 1e6


def main():
    d = Path(sys.argv[1])
    meta = kv(d / "meta")
    nproc = int(meta.get("nproc", "1"))
    rows = {}
    rounds = {}
    for key, _, _ in CASES:
        if key in ROUND_CASES:
            rounds[key] = load_rounds(d, key, nproc)
            rows[key] = median_row(rounds[key])
        else:
            rows[key] = load_run(d, key, nproc)

    a, b, c, e, dd, ff = (rows[k] for k in ("a-upstream", "b-nginx", "c-homegate", "e-yarp", "d-signup", "f-signup-code"))
    hh, ii = rows["h-signup-2hs"], rows["i-shared"]
    out = []
    w = out.append
    w("# Homegate benchmark results")
    w("")
    w(f"Generated by `tests/bench/run.sh` on {meta.get('date')} (commit {meta.get('commit')}). "
      "All cases were measured in this one run on loopback; (b), (c), (e) and (i) in "
      f"{meta.get('rounds', 'n/a')} alternating rounds (the order rotated each round), whose medians the tables show. "
      "How to read this and how it was set up: [README.md](README.md).")
    w("")
    w("## Machine and versions")
    w("")
    w(f"* CPU: {meta.get('cpu')}, `nproc` = {meta.get('nproc')}; memory {meta.get('mem_total')}; {meta.get('kernel')}")
    w(f"* .NET SDK {meta.get('dotnet')}, homegate {meta.get('homegate_version') or '(version n/a)'} "
      f"(YARP {meta.get('yarp_homegate', 'n/a')}), bare YARP app (YARP {meta.get('yarp_bare', 'n/a')}), "
      f"{meta.get('nginx')}, wrk {meta.get('wrk')}, PostgreSQL from `scripts/pg-throwaway` (fsync off)")
    w(f"* Load average when the run started: {meta.get('loadavg_start')} (other work on the machine competes for the same {nproc} cores)")
    w(f"* wrk: {meta.get('threads')} threads, {meta.get('connections')} connections, {meta.get('warmup')} s warm-up "
      f"(discarded, once per case) then {meta.get('duration')} s measured, per case and round")
    w(f"* nginx `worker_processes {meta.get('nginx_workers')}`; every .NET server (homegate, upstream, fake homeserver) "
      f"runs with `{meta.get('dotnet_env')}`; homegate: Npgsql `Maximum Pool Size={meta.get('pg_pool')}{meta.get('pg_extra', '')}`, "
      "log level Warning")
    w(f"* (d): {meta.get('signups')} permits (`homegate invite`) and AuthTokens (`homegate-fakes signup-bodies`) minted "
      f"before the run; {meta.get('warmup_signups')} of them for the warm-up, the rest for the measured run; "
      f"the AuthTokens were {meta.get('bodies_age_at_end_s', 'n/a')} s old when the run ended (the homeserver accepts ±180 s)")
    w("")
    w("## Results")
    w("")
    w("| case | request | requests/s | p50 ms | p99 ms | errors | proxy CPU µs/req | backend CPU µs/req | machine busy | other CPU | load avg |")
    w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for key, label, req in CASES:
        r = rows[key]
        if key in ROUND_CASES:
            label = f"{label}, median of {r.get('rounds', 0)}"
        w(f"| {label} | `{req}` | {fmt(r.get('rps'), 0)} | {fmt(r.get('p50'))} | {fmt(r.get('p99'))} | {r['errors']} | "
          f"{fmt(r.get('proxy_us'), 0) if key != 'a-upstream' else '–'} | {fmt(r.get('backend_us'), 0)} | "
          f"{fmt(r.get('busy_pct'), 0)} % | {fmt(r.get('other_pct'), 0)} % | {r['loadavg']} |")
    w("")
    others = [r.get("other_pct") for runs in rounds.values() for r in runs if r.get("other_pct") is not None]
    if others:
        w(f"Conditions: the machine was shared; during the pass-through rounds other work took {min(others):.0f}–{max(others):.0f} % "
          f"of its CPU (median {median(others):.0f} %; *other CPU* per round below), and the load average was "
          f"{meta.get('loadavg_start')} when the run started. Absolute requests/s and latencies are those of a contended "
          "machine; compare the ratios, measured side by side.")
        w("")
    w("### Pass-through rounds")
    w("")
    w("Each round measures the pass-through cases ((b), (c), (e) and (i), those in `BENCH_CASES`) back to back; the ratios "
      "of one round compare runs a minute apart, under nearly the same outside load. On the (i) rows the ratio columns are i/e.")
    w("")
    w("| round | case | requests/s | p99 ms | proxy CPU µs/req | other CPU | c/e requests/s | c/e CPU/req | c/e p99 |")
    w("|--:|---|--:|--:|--:|--:|--:|--:|--:|")
    for i in sorted({r["round"] for runs in rounds.values() for r in runs}):
        by = {k: next((r for r in rounds[k] if r["round"] == i), {}) for k in ROUND_CASES}
        re_ = by["e-yarp"]
        for key, label, _ in CASES:
            if key not in ROUND_CASES or not by[key]:
                continue
            r = by[key]
            extra = ["", "", ""]
            if key in ("c-homegate", "i-shared"):
                extra = [fmt(ratio(r.get("rps"), re_.get("rps"))), fmt(ratio(r.get("proxy_us"), re_.get("proxy_us"))),
                         fmt(ratio(r.get("p99"), re_.get("p99")))]
            w(f"| {i} | {label} | {fmt(r.get('rps'), 0)} | {fmt(r.get('p99'))} | {fmt(r.get('proxy_us'), 0)} | "
              f"{fmt(r.get('other_pct'), 0)} % | {' | '.join(extra)} |")
    w("")
    w("*errors* = non-2xx responses plus socket errors (connect/read/write/timeout). *proxy CPU* = user+system CPU "
      "of nginx (master and workers), homegate or the bare YARP app during the measured run, per request; *backend CPU* = the upstream "
      "for (a)–(c) and (e), the fake homeserver plus PostgreSQL (postmaster and backends) for (d) and (f). *machine busy* = all "
      f"CPU time used on the machine over {nproc} cores × the measured window (wrk itself included; for (d) the window "
      "includes wrk's Lua init, which loads the permits and bodies); *other CPU* = the part of "
      "that used by neither wrk nor the watched processes (other work on the machine, the kernel's share of "
      "loopback networking not charged to a process): the noise in the measurement.")
    w("")
    if "signup_2xx" in hh:
        w(f"(h) in detail: one homegate, two fake homeservers (hosts 127.0.0.1 and localhost, requests alternating); "
          f"{hh.get('signup_2xx')} signups with codes answered 2xx, {hh.get('signup_non2xx')} non-2xx "
          f"({hh.get('signup_statuses') or 'none'}), {hh.get('socket_detail', 'no socket errors')}; "
          f"{hh.get('signup_threads_exhausted', 0)} wrk thread(s) ran out of codes. "
          f"Successful signups per second in total: {fmt(ratio(hh.get('signup_2xx'), hh.get('seconds')), 0)}; "
          f"homegate CPU per signup {fmt(us_per(hh), 0)} µs (one homeserver, (f): {fmt(us_per(ff), 0)} µs).")
        w("")
    for name, sig in (("(f)", ff),):
        if "signup_2xx" in sig:
            w(f"{name} in detail: {sig.get('signup_2xx')} signups with codes answered 2xx, {sig.get('signup_non2xx')} non-2xx "
              f"({sig.get('signup_statuses') or 'none'}), {sig.get('socket_detail', 'no socket errors')}; "
              f"{sig.get('signup_threads_exhausted', 0)} wrk thread(s) ran out of codes. AuthTokens "
              f"{meta.get('code_bodies_age_at_end_s', 'n/a')} s old at the end. "
              f"Successful signups per second: {fmt(ratio(sig.get('signup_2xx'), sig.get('seconds')), 0)}; "
              f"homegate CPU per signup {fmt(us_per(sig), 0)} µs (with permits, (d): {fmt(us_per(dd), 0)} µs).")
            w("")
    if "signup_2xx" in dd:
        w(f"(d) in detail: {dd.get('signup_2xx')} signups answered 2xx, {dd.get('signup_non2xx')} non-2xx "
          f"({dd.get('signup_statuses') or 'none'}), {dd.get('socket_detail', 'no socket errors')}; "
          f"{dd.get('signup_threads_exhausted', 0)} wrk thread(s) ran out of permits"
          f"{' (the run was cut short: raise BENCH_SIGNUPS)' if dd.get('signup_threads_exhausted') else ''}. "
          f"Successful signups per second: {fmt(ratio(dd.get('signup_2xx'), dd.get('seconds')), 0)}.")
        w("")
        n = dd.get("requests") or 0
        if n:
            hg = dd.get("proxy_cpu_s", 0) / n * 1e6
            db = dd.get("database_cpu_s", 0) / n * 1e6
            fake = dd.get("backend_cpu_s", 0) / n * 1e6 - db
            wrk = dd.get("wrk_cpu_s", 0) / n * 1e6
            total = hg + db + fake + wrk
            w(f"CPU per gated signup in this run: homegate {hg:,.0f} µs, fake homeserver {fake:,.0f} µs, PostgreSQL {db:,.0f} µs, "
              f"wrk {wrk:,.0f} µs; together {total:,.0f} µs. At these per-request costs the {nproc} cores could carry at most "
              f"≈{nproc * 1e6 / total:,.0f} signups/s even with nothing else running (an extrapolation, not a measurement; "
              "per-request costs also grow when the machine is contended). Issue 13 took out of a signup's path only a "
              "second path normalisation and two per-request closures (≈ 1–2 µs); the rest is the gate's own work, mostly "
              "I/O: three PostgreSQL statements, the token mint over the admin API and the forward (tests/bench/README.md, "
              "\"Gated signups\").")
        w("")
    w("Memory (peak RSS, `VmHWM` from `/proc/<pid>/status`, read just before the process was stopped): "
      f"homegate pass-through {fmt(c.get('vmhwm_kb', 0) / 1024, 0)} MiB, homegate gated {fmt(dd.get('vmhwm_kb', 0) / 1024, 0)} MiB, "
      f"bare YARP {fmt(e.get('vmhwm_kb', 0) / 1024, 0)} MiB, nginx (master + workers) {fmt(b.get('vmhwm_kb', 0) / 1024, 0)} MiB.")
    w("")
    w("## Ratios")
    w("")
    w("From the medians above ((b), (c), (e): medians over the rounds); the per-round ratios are in the rounds table.")
    w("")
    cb, ca, p99cb = ratio(c.get("rps"), b.get("rps")), ratio(c.get("rps"), a.get("rps")), ratio(c.get("p99"), b.get("p99"))
    ce, p99ce, cpuce = ratio(c.get("rps"), e.get("rps")), ratio(c.get("p99"), e.get("p99")), ratio(c.get("proxy_us"), e.get("proxy_us"))
    w("| ratio | value |")
    w("|---|--:|")
    w(f"| requests/s c/e (homegate ÷ bare YARP) | {fmt(ce)} |")
    w(f"| proxy CPU per request c/e | {fmt(cpuce)} |")
    w(f"| p99 c/e | {fmt(p99ce)} |")
    w(f"| p50 c/e | {fmt(ratio(c.get('p50'), e.get('p50')))} |")
    ie, cpuie, p99ie = ratio(ii.get("rps"), e.get("rps")), ratio(ii.get("proxy_us"), e.get("proxy_us")), ratio(ii.get("p99"), e.get("p99"))
    w(f"| requests/s i/e (two homeservers ÷ bare YARP) | {fmt(ie)} |")
    w(f"| proxy CPU per request i/e | {fmt(cpuie)} |")
    w(f"| p99 i/e | {fmt(p99ie)} |")
    w(f"| requests/s i/c (two homeservers ÷ one) | {fmt(ratio(ii.get('rps'), c.get('rps')))} |")
    w(f"| requests/s c/b (homegate ÷ nginx) | {fmt(cb)} |")
    w(f"| proxy CPU per request c/b | {fmt(ratio(c.get('proxy_us'), b.get('proxy_us')))} |")
    w(f"| p99 c/b | {fmt(p99cb)} |")
    w(f"| p50 c/b | {fmt(ratio(c.get('p50'), b.get('p50')))} |")
    w(f"| requests/s e/b (bare YARP ÷ nginx) | {fmt(ratio(e.get('rps'), b.get('rps')))} |")
    w(f"| requests/s c/a (homegate ÷ direct) | {fmt(ca)} |")
    w(f"| requests/s b/a (nginx ÷ direct) | {fmt(ratio(b.get('rps'), a.get('rps')))} |")
    fd = ratio(ratio(ff.get("signup_2xx"), ff.get("seconds")), ratio(dd.get("signup_2xx"), dd.get("seconds")))
    w(f"| gated signups/s f/d (codes ÷ permits) | {fmt(fd)} |")
    w(f"| homegate CPU per signup f/d | {fmt(ratio(us_per(ff), us_per(dd)))} |")
    w("")
    w("## Targets")
    w("")
    signups_per_s = ratio(dd.get("signup_2xx"), dd.get("seconds"))
    code_signups_per_s = ratio(ff.get("signup_2xx"), ff.get("seconds"))
    shared_signups_per_s = ratio(hh.get("signup_2xx"), hh.get("seconds"))
    checks = [
        ("issue 13: pass-through requests/s ≥ 0.95 × bare YARP", ce is not None and ce >= 0.95, f"c/e = {fmt(ce)}"),
        ("issue 13: pass-through CPU per request ≤ 1.05 × bare YARP", cpuce is not None and cpuce <= 1.05, f"c/e = {fmt(cpuce)}"),
        ("issue 13: pass-through p99 ≤ 1.1 × bare YARP", p99ce is not None and p99ce <= 1.1, f"p99 c/e = {fmt(p99ce)}"),
        ("issue 2: pass-through requests/s ≥ 0.8 × nginx", cb is not None and cb >= 0.8, f"c/b = {fmt(cb)}"),
        ("issue 2: pass-through p99 ≤ 1.5 × nginx", p99cb is not None and p99cb <= 1.5, f"p99 c/b = {fmt(p99cb)}"),
        ("gated signups ≥ 1,000/s", signups_per_s is not None and signups_per_s >= 1000, f"{fmt(signups_per_s, 0)} successful signups/s"),
        ("gated signups with zero errors", "signup_2xx" in dd and dd.get("errors", 1) == 0 and not dd.get("signup_threads_exhausted"),
         f"{dd.get('errors', 'n/a')} errors"),
        ("gated signups with codes ≥ 1,000/s (issue 8)", code_signups_per_s is not None and code_signups_per_s >= 1000,
         f"{fmt(code_signups_per_s, 0)} successful signups/s"),
        ("gated signups with codes with zero errors", "signup_2xx" in ff and ff.get("errors", 1) == 0 and not ff.get("signup_threads_exhausted"),
         f"{ff.get('errors', 'n/a')} errors"),
        ("issue 12: gated signups, two homeservers ≥ 1,000/s in total", shared_signups_per_s is not None and shared_signups_per_s >= 1000,
         f"{fmt(shared_signups_per_s, 0)} successful signups/s"),
        ("issue 12: pass-through with two homeservers, requests/s ≥ 0.95 × bare YARP", ie is not None and ie >= 0.95, f"i/e = {fmt(ie)}"),
        ("issue 12: pass-through with two homeservers, CPU per request ≤ 1.05 × bare YARP", cpuie is not None and cpuie <= 1.05,
         f"i/e = {fmt(cpuie)}"),
        ("issue 12: gated signups, two homeservers, zero errors", "signup_2xx" in hh and hh.get("errors", 1) == 0 and not hh.get("signup_threads_exhausted"),
         f"{hh.get('errors', 'n/a')} errors"),
    ]
    w("| target | result | measured |")
    w("|---|---|---|")
    for name, ok, measured in checks:
        w(f"| {name} | {'PASS' if ok else 'MISS'} | {measured} |")
    w("")
    w("## Exact commands")
    w("")
    w("```")
    w("tests/bench/run.sh   # with the environment shown above; ports and /tmp paths below are that run's")
    for key, _, _ in CASES:
        names = [key] + [f"{key}.r{r['round']}" for r in rounds.get(key, [])]
        for name in names:
            for suffix in (".warmup.cmd", ".cmd"):
                f = d / f"{name}{suffix}"
                if f.exists():
                    w(f"{f.read_text().strip()}   # {name}{' warm-up' if 'warmup' in suffix else ''}")
    w("```")
    w("")
    w("## Raw wrk output")
    w("")
    raw = []
    for key, label, _ in CASES:
        if key in ROUND_CASES:
            raw += [(f"{key}.r{r['round']}", f"{label}, round {r['round']}") for r in rounds[key]]
        else:
            raw.append((key, label))
    for key, label in raw:
        f = d / f"{key}.txt"
        w("<details><summary>" + label + "</summary>")
        w("")
        w("```")
        w(f.read_text().rstrip() if f.exists() else "(missing)")
        w("```")
        w("")
        w("</details>")
        w("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
