# Sourced by tests/bench/run.sh for case (h): gated signups with codes, as in (e), but through one
# homegate in front of two fake homeservers (Homegate:Homeservers, issue 12): "alpha" on host
# 127.0.0.1 (the fake homeserver the other cases use) and "beta" on host localhost (a second one).
# Requests alternate between the two hosts; each presents a code of its own host's homeserver.
# Target: ≥ 1,000 successful signups/s in total.

log "starting a second fake homeserver (beta)"
# shellcheck disable=SC2086
env $dotnet_env dotnet "$fakes_dll" homeserver --signup-mode token_required >"$work/homeserver-beta.out" 2>"$work/homeserver-beta.err" &
beta_pid=$!; pids+=("$beta_pid")
beta_line=$(first_line "$beta_pid" "$work/homeserver-beta.out" "$work/homeserver-beta.err" "fake homeserver beta")

write_shared_config "$work/shared.json" "$homeserver_client" "$(json_field "$beta_line" clientUrl)" \
  "$(json_field "$beta_line" adminUrl)" "$(json_field "$beta_line" adminPassword)"

log "starting homegate (two homeservers, TokenRequired, codes)"
start_homegate "$work/shared.json" homegate-shared
half=$((signups / 2))
log "minting $((half * 2)) signup codes (homegate invite --homeserver alpha|beta) and AuthTokens (valid for 180 s from now)"
bodies_made=$(date +%s)
timeout 170 dotnet "$fakes_dll" signup-bodies --count $((half * 2)) --out "$work/bodies-shared" >&2
timeout 300 dotnet "$homegate_dll" invite --count "$half" --homeserver alpha --config "$work/shared.json" >"$work/codes-alpha.txt"
if [ "${BENCH_H_ALPHA_ONLY:-0}" = 1 ]; then
  # Diagnostic: the same homegate and config, but every signup goes to alpha (beta stays idle), to tell
  # what several homeservers cost in homegate from what a second backend costs the machine.
  timeout 300 dotnet "$homegate_dll" invite --count "$half" --homeserver alpha --config "$work/shared.json" >"$work/codes-beta.txt"
  sed 's/^/127.0.0.1\t/' "$work/codes-alpha.txt" "$work/codes-beta.txt" >"$work/codes-shared.txt"
else
  timeout 300 dotnet "$homegate_dll" invite --count "$half" --homeserver beta --config "$work/shared.json" >"$work/codes-beta.txt"
  paste -d'\n' <(sed 's/^/127.0.0.1\t/' "$work/codes-alpha.txt") <(sed 's/^/localhost\t/' "$work/codes-beta.txt") >"$work/codes-shared.txt"
fi
[ "$(wc -l <"$work/codes-shared.txt")" = $((half * 2)) ] || die "homegate invite printed $(wc -l <"$work/codes-shared.txt") codes, expected $((half * 2))"
shared_warmup=$((warmup_signups / 2 * 2))
warmup_script_args=("$work/bodies-shared" "$work/codes-shared.txt" 1 "$shared_warmup" "$threads")
database_pids=$postmaster
bench h-signup-2hs "http://127.0.0.1:$homegate_port" "$homegate_pid" "$homeserver_pid $beta_pid" \
  "$bench_dir/signup.lua" "$work/bodies-shared" "$work/codes-shared.txt" $((shared_warmup + 1)) $((half * 2 - shared_warmup)) "$threads"
echo "shared_bodies_age_at_end_s $(($(date +%s) - bodies_made))" >>"$work/results/meta"
stop_homegate h-signup-2hs
cp "$work/homegate-shared.err" "$work/results/h-signup-2hs.homegate-stderr" 2>/dev/null || true
