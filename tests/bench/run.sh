#!/usr/bin/env bash
# Homegate benchmark (issue 2, item 10): wrk on loopback against
#   (a) a tiny upstream directly, (b) nginx as a plain reverse proxy to it, (c) homegate
#   pass-through to it (GET /), (e) a bare YARP app (tests/bench/BareYarp: same YARP version, same
#   ReverseProxy config, no homegate code) to it, and (d) gated signups through homegate in
#   TokenRequired mode in front of the fake homeserver, each signup with its own pre-minted permit
#   (`homegate invite`), and (f) the same with signup codes instead of permits. (b), (c) and (e) run in
#   BENCH_ROUNDS alternating rounds; medians are reported.
# Writes tests/bench/results.md (or $BENCH_RESULTS). See tests/bench/README.md.
#
# Knobs (environment, defaults in brackets):
#   BENCH_THREADS [2]  BENCH_CONNECTIONS [64]  BENCH_DURATION [15] s  BENCH_WARMUP [15] s
#   BENCH_NGINX_WORKERS [auto]       nginx worker_processes
#   BENCH_SIGNUPS [60000]            permits + AuthTokens minted for (d) (warm-up + measured run)
#   BENCH_WARMUP_SIGNUPS [12000]     of those, the slice the (d) warm-up may use
#   BENCH_DOTNET_ENV ["DOTNET_gcServer=0"]  runtime env for every .NET
#                                    server (homegate, the upstream, the fake homeserver)
#   BENCH_PG_POOL [64]               Npgsql Maximum Pool Size for homegate
#   BENCH_PG_EXTRA [""]  appended to its connection string (homegate already sets Max Auto Prepare=20)
#   BENCH_SKIP_BUILD [0]             1: reuse the binaries from the previous run
#   BENCH_RESULTS [tests/bench/results.md]   BENCH_KEEP [0] keep the temp dir
#   BENCH_STRICT [0]                 1: exit 1 when a target is missed
#   BENCH_CASES ["a b c e d f h i"]  which cases to run (a dry run without homegate: "a b"); (f) is (d)
#                                    with signup codes (`homegate invite`, default format) instead of permits;
#                                    (h) is (f) with one homegate in front of two homeservers (tests/bench/shared.sh);
#                                    (i) is (c) with that homegate (Homegate:Homeservers)
#   BENCH_H_ALPHA_ONLY [0]           1: (h) sends every signup to alpha (diagnostic: beta idle)
#   BENCH_ROUNDS [5]                 alternating measured rounds of the pass-through cases (b, c, e, i)
# Every step is bounded (timeout / bounded polling); every process started here is stopped on exit.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir="$repo/tests/bench"
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-64}
duration=${BENCH_DURATION:-15}
warmup=${BENCH_WARMUP:-15}
nginx_workers=${BENCH_NGINX_WORKERS:-auto}
signups=${BENCH_SIGNUPS:-60000}
warmup_signups=${BENCH_WARMUP_SIGNUPS:-12000}
dotnet_env=${BENCH_DOTNET_ENV:-DOTNET_gcServer=0}
pg_pool=${BENCH_PG_POOL:-64}
pg_extra=${BENCH_PG_EXTRA:-}
results_file=${BENCH_RESULTS:-$bench_dir/results.md}
cases=" ${BENCH_CASES:-a b c e d f h i} "
rounds=${BENCH_ROUNDS:-5}
want() { [[ "$cases" == *" $1 "* ]]; }
bin_dir="$repo/.tmp/bench"

log() { printf '%s bench: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- dependencies
missing=()
for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run as root or: apt-get install ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
"$repo/scripts/install-deps" >&2 # PostgreSQL
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------- process bookkeeping
work=$(mktemp -d /tmp/homegate-bench.XXXXXX)
chmod 755 "$work" # pg-throwaway runs the server as the postgres user
pids=()
pg_started=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ "$pg_started" = 1 ] && "$repo/scripts/pg-throwaway" stop "$work/pg" || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits (bounded) for the first line of a process's stdout; fails with its stderr if it died.
first_line() {
  local pid=$1 out=$2 err=$3 name=$4
  for _ in $(seq 600); do
    [ -s "$out" ] && { head -n 1 "$out"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; die "$name exited before it was ready"; }
    sleep 0.1
  done
  die "$name did not start within 60 s"
}

wait_http() {
  local pid=$1 url=$2 name=$3 errlog=$4
  for _ in $(seq 900); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$errlog" >&2; die "$name exited before it was ready"; }
    sleep 0.1
  done
  tail -n 30 "$errlog" >&2
  die "$name did not answer $url within 90 s"
}

json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

clk_tck=$(getconf CLK_TCK)
# CPU time (ticks, user+system, all threads) of the given pids and their direct children.
cpu_ticks() {
  local total=0 pid child
  for pid in "$@"; do
    for child in "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null); do
      [ -r "/proc/$child/stat" ] || continue
      total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat")))
    done
  done
  echo "$total"
}
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
vm_hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
# `times` output saved to a file (a command substitution would run it in a subshell): children's CPU.
children_cpu_s() { tail -n 1 "$1" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'; }

# Runs wrk (warm-up, then the measured run) and records the CPU the watched processes used.
#   bench NAME URL "PROXY PIDS" "BACKEND PIDS" [SCRIPT SCRIPT-ARGS...]
# $database_pids (if set) are watched too and counted as backend; their share is also kept apart.
# The warm-up uses the same script with the arguments in warmup_script_args when that is set.
bench() {
  local name=$1 url=$2 proxy=$3 backend=$4; shift 4
  local measured=(--latency "$url") warm=("$url")
  if [ $# -gt 0 ]; then
    local script=$1; shift
    measured=(--latency -s "$script" "$url" -- "$@")
    if [ ${#warmup_script_args[@]} -gt 0 ]; then warm=(-s "$script" "$url" -- "${warmup_script_args[@]}"); else warm=(-s "$script" "$url" -- "$@"); fi
  fi
  local r="$work/results/$name"
  if [ "${skip_warmup:-0}" != 1 ]; then
    log "($name) warm-up ${warmup}s: $url"
    timeout $((warmup + 60)) wrk -t"$threads" -c"$connections" -d"${warmup}s" "${warm[@]}" >"$r.warmup.txt" 2>&1 \
      || { cat "$r.warmup.txt" >&2; die "wrk warm-up for $name failed"; }
    echo "wrk -t$threads -c$connections -d${warmup}s ${warm[*]}" >"$r.warmup.cmd"
  fi
  log "($name) measured ${duration}s"
  local proxy0 backend0 busy0 proxy1 backend1 busy1 db0 db1
  proxy0=$(cpu_ticks $proxy); backend0=$(cpu_ticks $backend); db0=$(cpu_ticks ${database_pids:-}); busy0=$(busy_ticks)
  cut -d' ' -f1-3 /proc/loadavg >"$r.loadavg"
  echo "wrk -t$threads -c$connections -d${duration}s ${measured[*]}" >"$r.cmd"
  local start_ns; start_ns=$(date +%s%N)
  times >"$r.times0"
  timeout $((duration + 60)) wrk -t"$threads" -c"$connections" -d"${duration}s" "${measured[@]}" >"$r.txt" 2>"$r.stderr" \
    || { cat "$r.txt" "$r.stderr" >&2; die "wrk for $name failed"; }
  times >"$r.times1"
  echo "window_s $(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')" >"$r.window"
  proxy1=$(cpu_ticks $proxy); backend1=$(cpu_ticks $backend); db1=$(cpu_ticks ${database_pids:-}); busy1=$(busy_ticks)
  {
    echo "proxy_cpu_s $(awk -v a="$proxy0" -v b="$proxy1" -v t="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / t }')"
    echo "backend_cpu_s $(awk -v a="$((backend0 + db0))" -v b="$((backend1 + db1))" -v t="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / t }')"
    echo "database_cpu_s $(awk -v a="$db0" -v b="$db1" -v t="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / t }')"
    echo "machine_busy_s $(awk -v a="$busy0" -v b="$busy1" -v t="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / t }')"
    echo "wrk_cpu_s $(awk -v a="$(children_cpu_s "$r.times0")" -v b="$(children_cpu_s "$r.times1")" 'BEGIN { printf "%.2f", b - a }')"
    cat "$r.window"
  } >"$r.cpu"
  sed -n 's/^Requests\/sec: *//p' "$r.txt" | sed "s/^/  ($name) requests\/s: /" >&2
}

mkdir -p "$work/results"
{
  echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc $(nproc)"
  echo "cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "mem_total $(awk '/^MemTotal/ { print $2 " kB" }' /proc/meminfo)"
  echo "kernel $(uname -sr)"
  echo "dotnet $(dotnet --version)"
  echo "nginx $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')"
  echo "wrk $(wrk -v 2>&1 | head -n 1 | awk '{ print $2 }')"
  echo "commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src tests/Homegate.Fakes 2>/dev/null || echo ' (+ local changes)')"
  echo "loadavg_start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "threads $threads"
  echo "connections $connections"
  echo "duration $duration"
  echo "warmup $warmup"
  echo "nginx_workers $nginx_workers"
  echo "dotnet_env $dotnet_env"
  echo "pg_pool $pg_pool"
  echo "pg_extra $pg_extra"
  echo "signups $signups"
  echo "warmup_signups $warmup_signups"
  echo "rounds $rounds"
} >"$work/results/meta"

# ---------------------------------------------------------------- build (Release)
projects=(src/Homegate.Gateway:homegate tests/Homegate.Fakes:fakes tests/bench/BareYarp:bare-yarp)
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$bin_dir/homegate/homegate.dll" ] || [ ! -f "$bin_dir/fakes/homegate-fakes.dll" ] \
  || [ ! -f "$bin_dir/bare-yarp/bare-yarp.dll" ]; then
  log "dotnet publish -c Release (homegate, homegate-fakes, bare-yarp) -> $bin_dir"
  for project in "${projects[@]}"; do
    timeout 900 dotnet publish "$repo/${project%%:*}" -c Release -o "$bin_dir/${project##*:}" --nologo -v quiet >"$work/publish.log" 2>&1 \
      || { cat "$work/publish.log" >&2; die "dotnet publish ${project%%:*} failed"; }
  done
fi
homegate_dll="$bin_dir/homegate/homegate.dll"
fakes_dll="$bin_dir/fakes/homegate-fakes.dll"
bare_dll="$bin_dir/bare-yarp/bare-yarp.dll"
yarp_version() { python3 -c 'import json,sys; print(next((k.split("/")[1] for k in json.load(open(sys.argv[1]))["libraries"] if k.lower().startswith("yarp.reverseproxy/")), "n/a"))' "$1" 2>/dev/null || echo n/a; }
{
  echo "homegate_version $(sed -n 's/.*"homegate\/\([^"]*\)".*/\1/p' "$bin_dir/homegate/homegate.deps.json" | head -n 1)"
  echo "yarp_homegate $(yarp_version "$bin_dir/homegate/homegate.deps.json")"
  echo "yarp_bare $(yarp_version "$bin_dir/bare-yarp/bare-yarp.deps.json")"
} >>"$work/results/meta"

# ---------------------------------------------------------------- PostgreSQL, fakes, nginx
log "starting PostgreSQL"
pg_started=1
pg_conn=$(timeout 300 "$repo/scripts/pg-throwaway" start "$work/pg")
pg_conn=$(echo "$pg_conn" | sed -E "s/Maximum Pool Size=[0-9]+/Maximum Pool Size=$pg_pool/")$pg_extra
postmaster=$(head -n 1 "$work/pg/data/postmaster.pid")

log "starting the upstream and the fake homeserver"
# shellcheck disable=SC2086 # dotnet_env is a list of NAME=VALUE words
env $dotnet_env dotnet "$fakes_dll" upstream >"$work/upstream.out" 2>"$work/upstream.err" &
upstream_pid=$!; pids+=("$upstream_pid")
# shellcheck disable=SC2086
env $dotnet_env dotnet "$fakes_dll" homeserver --signup-mode token_required >"$work/homeserver.out" 2>"$work/homeserver.err" &
homeserver_pid=$!; pids+=("$homeserver_pid")
upstream_url=$(json_field "$(first_line "$upstream_pid" "$work/upstream.out" "$work/upstream.err" upstream)" url)
homeserver_line=$(first_line "$homeserver_pid" "$work/homeserver.out" "$work/homeserver.err" "fake homeserver")
homeserver_client=$(json_field "$homeserver_line" clientUrl)
homeserver_admin=$(json_field "$homeserver_line" adminUrl)
homeserver_password=$(json_field "$homeserver_line" adminPassword)
upstream_port=$(echo "$upstream_url" | sed -E 's#.*:([0-9]+)/?$#\1#')

nginx_port=$(free_port)
mkdir -p "$work/nginx"
sed -e "s#@WORKERS@#$nginx_workers#" -e "s#@PREFIX@#$work/nginx#g" -e "s#@UPSTREAM_PORT@#$upstream_port#" -e "s#@PORT@#$nginx_port#" \
  "$bench_dir/nginx.conf.template" >"$work/nginx/nginx.conf"
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" >"$work/nginx/stdout" 2>&1 &
nginx_pid=$!; pids+=("$nginx_pid")
wait_http "$nginx_pid" "http://127.0.0.1:$nginx_port/" nginx "$work/nginx/error.log"
wait_http "$upstream_pid" "$upstream_url" upstream "$work/upstream.err"

# ---------------------------------------------------------------- homegate config
# $1 file, $2 cluster address. The homeserver admin API (the fake's) gives homegate its audience key
# and, in (d), mints the real signup tokens. Rate limit raised so it never triggers in the bench.
write_config() {
  cat >"$1" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning", "Microsoft.AspNetCore": "Warning" } },
  "ConnectionStrings": { "Homegate": "$pg_conn" },
  "Homegate": {
    "DataDir": "$work/data",
    "Homeserver": { "AdminUrl": "$homeserver_admin", "AdminPassword": "$homeserver_password", "SignupMode": "TokenRequired" },
    "RateLimits": { "Policies": { "signup": { "PermitLimit": 100000000, "Window": "00:01:00" } } }
  },
  "ReverseProxy": {
    "Routes": { "homeserver": { "ClusterId": "homeserver", "Match": { "Path": "{**catch-all}" } } },
    "Clusters": {
      "homeserver": {
        "HttpRequest": { "Version": "1.1", "VersionPolicy": "RequestVersionOrLower" },
        "Destinations": { "main": { "Address": "$2" } }
      }
    }
  }
}
EOF
}
mkdir -p -m 700 "$work/data"  # homegate refuses a DataDir open to group or others
write_config "$work/pass.json" "$upstream_url"
write_config "$work/gated.json" "$homeserver_client"
# Homegate:Homeservers (issue 12): alpha on host 127.0.0.1 (what wrk sends), beta on localhost.
# $1 file; $2 alpha's upstream; $3 beta's upstream, $4 admin URL, $5 admin password (alpha's admin API
# is the fake homeserver's). Same rate limits as write_config.
write_shared_config() {
  cat >"$1" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning", "Microsoft.AspNetCore": "Warning" } },
  "ConnectionStrings": { "Homegate": "$pg_conn" },
  "Homegate": {
    "DataDir": "$work/data",
    "Homeservers": {
      "alpha": { "Hosts": ["127.0.0.1"], "Upstream": "$2", "AdminUrl": "$homeserver_admin", "AdminPassword": "$homeserver_password" },
      "beta": { "Hosts": ["localhost"], "Upstream": "$3", "AdminUrl": "$4", "AdminPassword": "$5" }
    },
    "RateLimits": { "Policies": { "signup": { "PermitLimit": 100000000, "Window": "00:01:00" } } }
  }
}
EOF
}
# (i): pass-through through that homegate, both homeservers forwarding to the same upstream, so every
# request takes the host lookup and the host-matched route. Nothing in (i) reaches the admin API
# after the start (it gives both their key).
write_shared_config "$work/pass-shared.json" "$upstream_url" "$upstream_url" "$homeserver_admin" "$homeserver_password"

if want c || want d || want f || want h || want i; then
  log "homegate migrate"
  timeout 120 dotnet "$homegate_dll" migrate --config "$work/gated.json" >&2
fi

start_homegate() { # $1 config, $2 name; sets homegate_pid, homegate_port
  homegate_port=$(free_port)
  # shellcheck disable=SC2086
  env $dotnet_env dotnet "$homegate_dll" serve --config "$1" --urls "http://127.0.0.1:$homegate_port" \
    >"$work/$2.out" 2>"$work/$2.err" &
  homegate_pid=$!; pids+=("$homegate_pid")
  wait_http "$homegate_pid" "http://127.0.0.1:$homegate_port/.well-known/homegate/permit-keys" "homegate ($2)" "$work/$2.err"
}
stop_homegate() { # $1 name: records peak RSS, then stops it
  echo "vmhwm_kb $(vm_hwm_kb "$homegate_pid")" >>"$work/results/$1.cpu"
  kill -TERM "$homegate_pid"
  for _ in $(seq 100); do kill -0 "$homegate_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$homegate_pid" 2>/dev/null || true
  wait "$homegate_pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- (a) (b) (c) (e)
start_bare_yarp() { # sets bare_pid, bare_port: case (e), the same pass-through config as homegate's
  bare_port=$(free_port)
  # shellcheck disable=SC2086
  env $dotnet_env dotnet "$bare_dll" --config "$work/pass.json" --urls "http://127.0.0.1:$bare_port" \
    >"$work/bare-yarp.out" 2>"$work/bare-yarp.err" &
  bare_pid=$!; pids+=("$bare_pid")
  wait_http "$bare_pid" "http://127.0.0.1:$bare_port/" "bare YARP" "$work/bare-yarp.err"
}

# (b), (c), (e): one warm-up each, then $rounds measured rounds, the order rotated every round
# (b c e, c e b, e b c, ...) so no case always runs first or right after the same neighbour.
# Results are NAME.rN.*; report.py takes the medians.
run_passthrough_rounds() {
  local want_cases=() name url proxy i j k n
  want b && want_cases+=(b)
  want c && want_cases+=(c)
  want e && want_cases+=(e)
  want i && want_cases+=(i)
  [ ${#want_cases[@]} -gt 0 ] || return 0
  if want c; then
    log "starting homegate (pass-through to the upstream)"
    start_homegate "$work/pass.json" homegate-pass
    pass_pid=$homegate_pid; pass_port=$homegate_port
  fi
  if want i; then
    log "starting homegate (two homeservers, pass-through to the upstream)"
    start_homegate "$work/pass-shared.json" homegate-pass-shared
    shared_pid=$homegate_pid; shared_port=$homegate_port
  fi
  if want e; then
    log "starting bare YARP (pass-through to the upstream)"
    start_bare_yarp
  fi
  passthrough_case() { # $1 letter: sets name url proxy
    case $1 in
      b) name=b-nginx; url="http://127.0.0.1:$nginx_port/"; proxy=$nginx_pid ;;
      c) name=c-homegate; url="http://127.0.0.1:$pass_port/"; proxy=$pass_pid ;;
      e) name=e-yarp; url="http://127.0.0.1:$bare_port/"; proxy=$bare_pid ;;
      i) name=i-shared; url="http://127.0.0.1:$shared_port/"; proxy=$shared_pid ;;
    esac
  }
  for k in "${want_cases[@]}"; do
    passthrough_case "$k"
    log "($name) warm-up ${warmup}s: $url"
    timeout $((warmup + 60)) wrk -t"$threads" -c"$connections" -d"${warmup}s" "$url" >"$work/results/$name.warmup.txt" 2>&1 \
      || { cat "$work/results/$name.warmup.txt" >&2; die "wrk warm-up for $name failed"; }
    echo "wrk -t$threads -c$connections -d${warmup}s $url" >"$work/results/$name.warmup.cmd"
  done
  n=${#want_cases[@]}
  for i in $(seq 1 "$rounds"); do
    for j in $(seq 0 $((n - 1))); do
      passthrough_case "${want_cases[$(((i - 1 + j) % n))]}"
      log "round $i/$rounds"
      skip_warmup=1 bench "$name.r$i" "$url" "$proxy" "$upstream_pid"
    done
  done
  if want c; then homegate_pid=$pass_pid; stop_homegate c-homegate.r1; fi
  if want i; then homegate_pid=$shared_pid; stop_homegate i-shared.r1; fi
  if want e; then
    echo "vmhwm_kb $(vm_hwm_kb "$bare_pid")" >>"$work/results/e-yarp.r1.cpu"
    kill -TERM "$bare_pid" 2>/dev/null || true # idle from here on; the EXIT trap reaps it
  fi
  # nginx's peak RSS, for the record (master + workers)
  if want b; then
    echo "vmhwm_kb $(for p in "$nginx_pid" $(ps -o pid= --ppid "$nginx_pid"); do vm_hwm_kb "$p"; done | awk '{ s += $1 } END { print s }')" \
      >>"$work/results/b-nginx.r1.cpu"
  fi
}

warmup_script_args=()
want a && bench a-upstream "${upstream_url%/}/" "" "$upstream_pid"
run_passthrough_rounds

# ---------------------------------------------------------------- (d) gated signups
if want d; then
  log "starting homegate (TokenRequired, in front of the fake homeserver)"
  start_homegate "$work/gated.json" homegate-gated
  log "minting $signups permits (homegate invite) and $signups AuthTokens (valid for 180 s from now)"
  # AuthTokens first: their 180 s window is the tighter clock; permits live 7 days.
  bodies_made=$(date +%s)
  timeout 170 dotnet "$fakes_dll" signup-bodies --count "$signups" --out "$work/bodies" >&2
  timeout 120 dotnet "$homegate_dll" invite --count "$signups" --format permit --config "$work/gated.json" >"$work/permits.txt"
  [ "$(wc -l <"$work/permits.txt")" = "$signups" ] || die "homegate invite printed $(wc -l <"$work/permits.txt") permits, expected $signups"
  measured_signups=$((signups - warmup_signups))
  warmup_script_args=("$work/bodies" "$work/permits.txt" 1 "$warmup_signups" "$threads")
  database_pids=$postmaster
  bench d-signup "http://127.0.0.1:$homegate_port" "$homegate_pid" "$homeserver_pid" \
    "$bench_dir/signup.lua" "$work/bodies" "$work/permits.txt" $((warmup_signups + 1)) "$measured_signups" "$threads"
  echo "bodies_age_at_end_s $(($(date +%s) - bodies_made))" >>"$work/results/meta"
  stop_homegate d-signup
  cp "$work/homegate-gated.err" "$work/results/d-signup.homegate-stderr" 2>/dev/null || true
fi

# ---------------------------------------------------------------- (f) gated signups with codes
# The same as (d), but every request presents a signup code (XXXX-XXXX-XXXX) instead of a permit:
# one keyed hash and one primary-key lookup replace the PASETO verification. Fresh AuthTokens
# (new users) and fresh codes; the same homegate configuration, restarted.
if want f; then
  log "starting homegate (TokenRequired, codes)"
  start_homegate "$work/gated.json" homegate-codes
  log "minting $signups signup codes (homegate invite) and $signups AuthTokens (valid for 180 s from now)"
  bodies_made=$(date +%s)
  timeout 170 dotnet "$fakes_dll" signup-bodies --count "$signups" --out "$work/bodies-codes" >&2
  timeout 300 dotnet "$homegate_dll" invite --count "$signups" --config "$work/gated.json" >"$work/codes.txt"
  [ "$(wc -l <"$work/codes.txt")" = "$signups" ] || die "homegate invite printed $(wc -l <"$work/codes.txt") codes, expected $signups"
  measured_signups=$((signups - warmup_signups))
  warmup_script_args=("$work/bodies-codes" "$work/codes.txt" 1 "$warmup_signups" "$threads")
  database_pids=$postmaster
  bench f-signup-code "http://127.0.0.1:$homegate_port" "$homegate_pid" "$homeserver_pid" \
    "$bench_dir/signup.lua" "$work/bodies-codes" "$work/codes.txt" $((warmup_signups + 1)) "$measured_signups" "$threads"
  echo "code_bodies_age_at_end_s $(($(date +%s) - bodies_made))" >>"$work/results/meta"
  stop_homegate f-signup-code
  cp "$work/homegate-codes.err" "$work/results/f-signup-code.homegate-stderr" 2>/dev/null || true
fi

# ---------------------------------------------------------------- (h) two homeservers
# shellcheck source=tests/bench/shared.sh
want h && . "$bench_dir/shared.sh"

# ---------------------------------------------------------------- report
python3 "$bench_dir/report.py" "$work/results" >"$results_file.tmp"
mv "$results_file.tmp" "$results_file"
log "wrote $results_file"
sed -n '/^| case/,/^$/p;/^## Targets/,/^## /p' "$results_file" >&2
if [ "${BENCH_STRICT:-0}" = 1 ] && grep -q 'MISS' "$results_file"; then exit 1; fi
