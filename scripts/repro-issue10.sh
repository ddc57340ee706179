#!/usr/bin/env bash
# Replays every reproduction of issue 10 ("Never wrong, never open") against release binaries of
# starmon and starrocks-sim, on loopback only, and prints per item what was observed and
# PASS/FAIL, then `N passed, M failed` (exit 1 on any failure).
#
#   STARMON_BIN=target/release/starmon SIM_BIN=target/release/starrocks-sim scripts/repro-issue10.sh
#
# Needs: bash, curl, sqlite3, python3 (with venv; prometheus-client is installed from PyPI into a
# temporary virtualenv for item 6), coreutils. Takes about 4-5 minutes: item 1 holds an FE stall
# for 60 s and an FE stop for 30 s, item 2 two stalls of ~15 s each.
set -euo pipefail

STARMON=${STARMON_BIN:-target/release/starmon}
SIM=${SIM_BIN:-target/release/starrocks-sim}
INTERVAL=5            # --collect-interval of every serve below
FAULT_SECS=${FAULT_SECS:-60}
STOP_SECS=${STOP_SECS:-30}
for b in "$STARMON" "$SIM"; do
    [[ -x $b ]] || { echo "not an executable: $b (set STARMON_BIN / SIM_BIN)" >&2; exit 2; }
done
for t in curl sqlite3 python3; do
    command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
STARMON=$(realpath "$STARMON")
SIM=$(realpath "$SIM")

WORK=$(mktemp -d /tmp/repro-issue10.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    # item 11 makes a file immutable; rm would fail on it.
    chattr -i "$WORK"/ro/* 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T_BEGIN=$(date +%s)
now_ms() { date +%s%3N; }
# A process of ours that has not exited (a zombie counts as exited).
alive() {
    local s
    s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $s != Z* ]]
}
# forget PID: a child that was waited for (its id may be reused) is not killed at the end.
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
# wait_for SECONDS DESCRIPTION COMMAND…: polls every 0.2 s until COMMAND succeeds.
wait_for() {
    local secs=$1 what=$2
    shift 2
    local end=$(($(date +%s%N) + secs * 1000000000))
    until "$@" >/dev/null 2>&1; do
        if (($(date +%s%N) > end)); then
            echo "  timed out after ${secs}s waiting for: $what" >&2
            return 1
        fi
        sleep 0.2
    done
}
freeport() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------------------------
# Results
declare -A FAILED=()
declare -A TITLE=()
ITEMS=()
item() {
    ITEMS+=("$1")
    TITLE[$1]=$2
    echo
    echo "== [$1] $2"
}
say() { echo "     $*"; }
# t ITEM DESCRIPTION COMMAND…: one check of an item.
t() {
    local it=$1 desc=$2
    shift 2
    if "$@" >/dev/null 2>&1; then
        echo "  ok   $desc"
    else
        echo "  FAIL $desc"
        FAILED[$it]=1
    fi
}
# Like t but for a check that could not run (counts as a failure).
broken() {
    echo "  FAIL $2"
    FAILED[$1]=1
}

# ---------------------------------------------------------------------------------------------
# Helpers written to the work directory
cat >"$WORK/hook.py" <<'EOF'
# A notification receiver that answers 500 with a body holding a secret word.
import http.server, sys
secret, portfile, logfile = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        self.rfile.read(n)
        with open(logfile, "a") as f:
            f.write(f"POST {self.path}\n")
        body = f"internal error; session={secret}; see /admin/{secret}".encode()
        self.send_response(500)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF

cat >"$WORK/poll_overview.py" <<'EOF'
# "The dashboard open": GET the overview every second for N seconds; print a summary.
import json, sys, time, urllib.request, urllib.error, collections
url, token, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
codes, sources, slow = collections.Counter(), collections.Counter(), 0.0
end = time.monotonic() + secs
n = 0
while time.monotonic() < end:
    t0 = time.monotonic()
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            code, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
    except Exception as e:
        code, body = "error:" + type(e).__name__, b""
    took = time.monotonic() - t0
    slow = max(slow, took)
    codes[str(code)] += 1
    try:
        d = json.loads(body)
        sources[f'{d.get("source")}{"/stale" if d.get("stale") else ""}'] += 1
    except Exception:
        pass
    n += 1
    time.sleep(max(0.0, 1.0 - took))
print(json.dumps({"requests": n, "codes": codes, "sources": sources, "slowest_s": round(slow, 2)}))
EOF

cat >"$WORK/brute.py" <<'EOF'
# Failed logins: N wrong passwords for one user, then wrong passwords for other names from the
# same address, then the right password.
import json, sys, time, http.client
host, port, user, good, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
def login(u, p):
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("POST", "/api/v1/auth/login", json.dumps({"username": u, "password": p}),
              {"content-type": "application/json"})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Retry-After"), body
t0 = time.monotonic()
codes, first429, retry, body429 = [], None, None, None
for i in range(1, n + 1):
    s, ra, b = login(user, f"wrong-{i}")
    codes.append(s)
    if s == 429 and first429 is None:
        first429, retry, body429 = i, ra, b.decode(errors="replace")
took = time.monotonic() - t0
after = codes[first429 - 1:] if first429 else []
other_codes, other429, other_retry = [], None, None
for i in range(1, 81):
    s, ra, _ = login(f"guess{i:03}", "wrong")
    other_codes.append(s)
    if s == 429 and other429 is None:
        other429, other_retry = i, ra
good_code, good_retry, _ = login(user, good)
print(json.dumps({
    "attempts": n, "seconds": round(took, 2),
    "codes": {str(c): codes.count(c) for c in sorted(set(codes))},
    "first_429_at": first429, "all_429_after": bool(after) and all(c == 429 for c in after),
    "retry_after": retry, "body_429": body429,
    "other_names_first_429_at": other429, "other_names_retry_after": other_retry,
    "other_names_codes": {str(c): other_codes.count(c) for c in sorted(set(other_codes))},
    "right_password_code": good_code, "right_password_retry_after": good_retry,
}))
EOF

cat >"$WORK/flood.py" <<'EOF'
# Opens up to N idle TCP connections (as many as the open-file limit allows), sends nothing, and
# watches which ones the server closes, until HOLD seconds after the last one was opened. The
# life of a socket runs from its connect() call, which is no later than the server's accept.
import json, resource, select, socket, sys, time
host, port, want, hold, readyfile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
except (ValueError, OSError):
    pass
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
n = min(want, soft - 64)
ep = select.epoll()
socks, opened_at, connected, lives, refused = {}, {}, set(), [], 0
def poll(timeout):
    global refused
    for fd, ev in ep.poll(timeout):
        s = socks.get(fd)
        if s is None:
            continue
        if ev & (select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR):
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err and fd not in connected and not ev & select.EPOLLOUT:
                refused += 1
            else:
                connected.add(fd)
                lives.append(time.monotonic() - opened_at[fd])
            ep.unregister(fd)
            s.close()
            del socks[fd]
        elif ev & select.EPOLLOUT:
            connected.add(fd)
            ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
t0 = time.monotonic()
opened = 0
for i in range(n):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        break
    s.setblocking(False)
    s.connect_ex((host, port))
    fd = s.fileno()
    socks[fd], opened_at[fd] = s, time.monotonic()
    ep.register(fd, select.EPOLLOUT | select.EPOLLIN | select.EPOLLRDHUP)
    opened += 1
    if i % 200 == 199:
        poll(0)
open_took = time.monotonic() - t0
with open(readyfile, "w") as f:
    f.write(str(opened))
end = time.monotonic() + hold
while time.monotonic() < end:
    poll(0.1)
lives.sort()
for s in socks.values():
    s.close()
print(json.dumps({
    "open_file_limit": soft, "wanted": want, "opened": opened, "open_seconds": round(open_took, 2),
    "connected": len(connected), "refused": refused, "closed_by_server": len(lives),
    "still_open_at_end": len(socks),
    "shortest_life_s": round(lives[0], 2) if lives else None,
    "median_life_s": round(lives[len(lives) // 2], 2) if lives else None,
    "longest_life_s": round(lives[-1], 2) if lives else None,
    "closed_before_4.5s": sum(1 for x in lives if x < 4.5),
    "closed_within_8s": sum(1 for x in lives if x <= 8),
}))
EOF

cat >"$WORK/promcheck.py" <<'EOF'
# Parses starmon's /metrics with prometheus-client's parsers; checks that the cluster label of
# every series is one of the registered names, exactly.
import json, sys
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_families
text = open(sys.argv[1]).read()
want = sys.argv[2]
out = {}
for name, parse in (("prometheus_text", text_string_to_metric_families),
                    ("openmetrics", om_families)):
    try:
        fams = list(parse(text))
        labels = sorted({s.labels["cluster"] for f in fams for s in f.samples if "cluster" in s.labels})
        series = sum(1 for f in fams for s in f.samples if s.labels.get("cluster") == want)
        out[name] = {"families": len(fams), "cluster_labels": labels, "series_with_evil_name": series}
    except Exception as e:
        out[name] = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps(out, ensure_ascii=False))
EOF

# ---------------------------------------------------------------------------------------------
# Common setup: the emulator, a database with the cluster, a user and a token, serve.
echo "starmon: $STARMON ($("$STARMON" --version))"
echo "sim:     $SIM"
echo "work:    $WORK"

# prometheus-client for item 6, installed in the background meanwhile.
(python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q --disable-pip-version-check \
    prometheus-client >"$WORK/pip.log" 2>&1 && touch "$WORK/venv.ready") >/dev/null 2>&1 &
PIDS+=($!)

"$SIM" --clusters 1 --version 3.3 >"$WORK/sim.out" 2>"$WORK/sim.log" &
SIM_PID=$!
PIDS+=("$SIM_PID")
wait_for 20 "the emulator's start-up line" test -s "$WORK/sim.out"
read -r C FE0 FE0Q FE0H < <(python3 -c '
import json,sys
d=json.loads(open(sys.argv[1]).readline())
fe=d["frontends"][0]
print(d["control"], fe["host"], fe["query_port"], fe["http_port"])' "$WORK/sim.out")
echo "cluster control: $C (fe0 at $FE0:$FE0Q)"
read -r TRUTH_FE TRUTH_BE < <(curl -sf "$C/truth" | python3 -c '
import json,sys; s=json.load(sys.stdin)["summary"]; print(s["fe_total"], s["be_total"])')
echo "truth: fe_total=$TRUTH_FE be_total=$TRUTH_BE"

DB=$WORK/db/starmon.db
mkdir -p "$WORK/db"
export SR_PW=starrocks ALICE_PW=alice-correct-horse-1
"$STARMON" cluster add --db "$DB" --name sr-1 --fe "$FE0:$FE0Q" --http-port "$FE0H" --user root \
    --password-env SR_PW >"$WORK/cli.log" 2>&1
"$STARMON" user add alice --db "$DB" --password-env ALICE_PW >>"$WORK/cli.log" 2>&1
TOKEN=$("$STARMON" token create --db "$DB" --name repro --user alice 2>>"$WORK/cli.log")

SERVE_PID=
PORT=
BASE=
SERVE_N=0
# start_serve [VAR=VALUE…]: serve on $DB, access control on, a 5 s interval; log in $SERVE_LOG.
start_serve() {
    SERVE_N=$((SERVE_N + 1))
    SERVE_LOG=$WORK/serve$SERVE_N.log
    PORT=$(freeport)
    BASE=http://127.0.0.1:$PORT
    env STARMON_AUTH_ENABLED=true STARMON_SERVER_HEADER_READ_TIMEOUT_SECS=5 "$@" \
        "$STARMON" serve --db "$DB" --listen "127.0.0.1:$PORT" --collect-interval $INTERVAL \
        >"$SERVE_LOG" 2>&1 &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    wait_for 20 "serve answering on $BASE" curl -sf -m 2 "$BASE/healthz"
}
stop_serve() {
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    local end=$(($(date +%s) + 20))
    while alive "$SERVE_PID" && (($(date +%s) < end)); do sleep 0.1; done
    kill -KILL "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
    forget "$SERVE_PID"
}
# api METHOD PATH [JSON]: with the token; sets CODE and RESP.
api() {
    local args=(-s -o "$WORK/resp" -w '%{http_code}' -m 30 -X "$1" -H "Authorization: Bearer $TOKEN")
    [[ -n ${3-} ]] && args+=(-H 'content-type: application/json' --data-binary "$3")
    CODE=$(curl "${args[@]}" "$BASE$2") || CODE=000
    RESP=$(cat "$WORK/resp")
}
# has_not TEXT WANTED UNWANTED: TEXT contains WANTED and not UNWANTED.
has_not() { [[ $1 == *"$2"* && $1 != *"$3"* ]]; }
exited() { ! alive "$1"; }
ok_count_ge() { (($(sq "SELECT count(*) FROM collection_status WHERE cluster_id=1 AND outcome='ok'") >= $1)); }
sq() { sqlite3 -cmd '.timeout 10000' "$DB" "$@"; }
is_json_error() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert isinstance(d.get("error"), str) and d["error"]' "$1"; }
json_get() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval("d"+sys.argv[2]))' "$1" "$2"; }
fault() { curl -sf -X PUT -H 'content-type: application/json' -d "$2" "$C/nodes/$1/faults" >/dev/null; }
rows_after() { sq "SELECT count(*) FROM collection_status WHERE cluster_id=1 AND collected_at>$1"; }
has_rows_after() { (($(rows_after "$1") >= $2)); }
ok_after() { (($(sq "SELECT count(*) FROM collection_status WHERE cluster_id=1 AND collected_at>$1 AND outcome='ok'") >= 1)); }
# outcomes FROM TO: the outcomes of cluster 1's collections in [FROM, TO), in order.
outcomes() { sq "SELECT group_concat(outcome, ' ') FROM (SELECT outcome FROM collection_status WHERE cluster_id=1 AND collected_at>=$1 AND collected_at<$2 ORDER BY collected_at)"; }
count_where() { sq "SELECT count(*) FROM collection_status s LEFT JOIN metrics_snapshots m USING (cluster_id, collected_at) WHERE s.cluster_id=1 AND s.collected_at>=$1 AND s.collected_at<$2 AND ($3)"; }
WRONG_TOTALS="(m.fe_node_total IS NOT NULL AND m.fe_node_total<>$TRUTH_FE) OR (m.be_node_total IS NOT NULL AND m.be_node_total<>$TRUTH_BE)"
OK_NOT_TRUTH="s.outcome='ok' AND (m.fe_node_total IS NOT $TRUTH_FE OR m.be_node_total IS NOT $TRUTH_BE)"

start_serve
echo "serve: $BASE (pid $SERVE_PID, log $SERVE_LOG)"
T_SERVE=$(now_ms)

# ---------------------------------------------------------------------------------------------
item 10 "security headers on the dashboard"
curl -sI -m 10 "$BASE/" | tr -d '\r' >"$WORK/headers"
grep -iE '^(content-security-policy|x-frame-options|x-content-type-options|referrer-policy):' "$WORK/headers" | sed 's/^/     /' || true
hdr() { { grep -i "^$1:" "$WORK/headers" || true; } | head -1 | cut -d: -f2- | sed 's/^ *//'; }
CSP=$(hdr content-security-policy)
t 10 "CSP has frame-ancestors 'none' and no unsafe-*" has_not "$CSP" "frame-ancestors 'none'" unsafe
t 10 "X-Frame-Options: $(hdr x-frame-options)" test -n "$(hdr x-frame-options)"
t 10 "X-Content-Type-Options: $(hdr x-content-type-options)" test "$(hdr x-content-type-options)" = nosniff
t 10 "Referrer-Policy: $(hdr referrer-policy)" test -n "$(hdr referrer-policy)"

# ---------------------------------------------------------------------------------------------
item 8 "names= with 2,000 entries"
NAMES=$(python3 -c 'print(",".join(["qps","rps","cpu_usage_pct","disk_usage_pct"][i % 4] for i in range(2000)))')
api GET "/api/v1/clusters/1/metrics?names=$NAMES"
say "GET /api/v1/clusters/1/metrics?names=<2,000 names> -> $CODE $RESP"
t 8 "400 (got $CODE)" test "$CODE" = 400
t 8 "the error names the limit" bash -c '[[ $1 == *100* ]]' _ "$RESP"

# ---------------------------------------------------------------------------------------------
item 12 "JSON bodies for every 4xx, to=0, plain logs, e-mail channels"
api GET "/api/v1/clusters/%FF"
say "GET /api/v1/clusters/%FF -> $CODE $RESP"
t 12 "invalid UTF-8 in the path: JSON 4xx" bash -c '[[ $1 == 4?? ]] && python3 -c "import json,sys; assert json.loads(sys.argv[1])[\"error\"]" "$2"' _ "$CODE" "$RESP"
LONG=$(head -c 40960 /dev/zero | tr '\0' a)
api GET "/api/v1/clusters?x=$LONG"
say "GET /api/v1/clusters?x=<40 KB> -> $CODE $RESP"
t 12 "40 KB URL: JSON 414" bash -c '[[ $1 == 414 ]] && python3 -c "import json,sys; assert json.loads(sys.argv[1])[\"error\"]" "$2"' _ "$CODE" "$RESP"
printf 'X-Big: %s\n' "$(head -c 102400 /dev/zero | tr '\0' b)" >"$WORK/bighdr"
CODE=$(curl -s -o "$WORK/resp" -w '%{http_code}' -m 30 -H "Authorization: Bearer $TOKEN" -H @"$WORK/bighdr" "$BASE/api/v1/clusters") || CODE=000
RESP=$(cat "$WORK/resp")
say "GET /api/v1/clusters with 100 KB of headers -> $CODE $RESP"
t 12 "100 KB of headers: JSON 431" bash -c '[[ $1 == 431 ]] && python3 -c "import json,sys; assert json.loads(sys.argv[1])[\"error\"]" "$2"' _ "$CODE" "$RESP"
api GET "/api/v1/clusters/1/metrics?names=qps&to=0"
say "GET /api/v1/clusters/1/metrics?names=qps&to=0 -> $CODE $RESP"
t 12 "to=0: JSON 400" bash -c '[[ $1 == 400 ]] && python3 -c "import json,sys; assert json.loads(sys.argv[1])[\"error\"]" "$2"' _ "$CODE" "$RESP"
api POST /api/v1/channels '{"name":"mail","kind":"email","email":{"host":"127.0.0.1","port":2525,"from":"starmon@example.com","to":["ops@example.com","dba@example.com"],"password":"smtp-pw","security":"none"}}'
say "POST /api/v1/channels (email) -> $CODE"
MAIL_ID=$(json_get "$RESP" '["id"]' 2>/dev/null || echo)
api GET /api/v1/channels
SHOWN=$(python3 -c 'import json,sys; print([c.get("url") for c in json.loads(sys.argv[1])["channels"]])' "$RESP" 2>&1)
say "GET /api/v1/channels -> $CODE, urls shown: $SHOWN"
t 12 "e-mail channel listed without <invalid URL>, password not shown" bash -c '[[ $1 == 200 && $2 != *"invalid URL"* && $2 == *smtp://* && $3 != *smtp-pw* ]]' _ "$CODE" "$SHOWN" "$RESP"
[[ -n $MAIL_ID ]] && api DELETE "/api/v1/channels/$MAIL_ID"
# the ANSI check of the log is at the end of this serve's life, below.

# ---------------------------------------------------------------------------------------------
item 1 "SQL stall on fe0 for ${FAULT_SECS}s with the dashboard open, then fe0 stopped"
wait_for 30 "two ok collections" ok_count_ge 2 || true
say "baseline: $(outcomes 0 "$(now_ms)")"
T_F=$(now_ms)
fault fe0 '{"sql_delay_ms":20000}'
say "PUT $C/nodes/fe0/faults {\"sql_delay_ms\":20000}; overview polled every second"
python3 "$WORK/poll_overview.py" "$BASE/api/v1/clusters/1/overview" "$TOKEN" "$FAULT_SECS" >"$WORK/poll.json" 2>"$WORK/poll.err" &
POLL_PID=$!
PIDS+=("$POLL_PID")
wait_for $((FAULT_SECS + 40)) "the overview poller" exited "$POLL_PID"
wait "$POLL_PID" || true
forget "$POLL_PID"
fault fe0 '{"sql_delay_ms":0}'
T_C=$(now_ms)
say "overview while stalled: $(cat "$WORK/poll.json" 2>/dev/null || echo none) $(head -c 300 "$WORK/poll.err")"
wait_for $((2 * INTERVAL + 10)) "an ok collection after the fault cleared" ok_after "$T_C" || true
say "during the stall: $(outcomes "$T_F" "$T_C")"
say "after clearing:   $(outcomes "$T_C" "$(now_ms)")"
say "a stored error:   $(sq "SELECT errors FROM collection_status WHERE cluster_id=1 AND collected_at>=$T_F AND outcome<>'ok' LIMIT 1" | head -c 300)"
say "rows (outcome|fe_total|be_total|fe_alive|be_alive|qps):"
sq "SELECT s.outcome, m.fe_node_total, m.be_node_total, m.fe_node_alive, m.be_node_alive, round(m.qps,1) FROM collection_status s LEFT JOIN metrics_snapshots m USING (cluster_id, collected_at) WHERE s.cluster_id=1 AND s.collected_at>=$T_F ORDER BY s.collected_at" | tr '\n' ' ' | fold -w 100 | sed 's/^/       /'
echo
END=$(now_ms)
N_STALL=$(count_where "$T_F" "$T_C" 1)
t 1 "collections during the stall: $N_STALL" test "$N_STALL" -ge $((FAULT_SECS / INTERVAL - 2))
N=$(count_where "$T_SERVE" "$END" "$OK_NOT_TRUTH")
t 1 "no ok row with fe/be_node_total other than the truth ($TRUTH_FE/$TRUTH_BE): $N" test "$N" = 0
N=$(count_where "$T_SERVE" "$END" "$WRONG_TOTALS")
t 1 "no row at all with a non-NULL total contradicting the truth: $N" test "$N" = 0
FIRST=$(sq "SELECT min(collected_at) FROM collection_status WHERE cluster_id=1")
N=$(count_where "$((FIRST + 1))" "$END" "s.outcome='ok' AND m.qps IS NULL")
t 1 "no ok row with NULL qps after the first collection: $N" test "$N" = 0
N=$(count_where "$T_F" "$END" "s.outcome='failed'")
t 1 "no failed collection (fe1/fe2 answer): $N" test "$N" = 0
REC=$(sq "SELECT min(collected_at)-$T_C FROM collection_status WHERE cluster_id=1 AND collected_at>$T_C AND outcome='ok'")
t 1 "ok again within two intervals of clearing: first ok ${REC:-never} ms after" bash -c '[[ -n $1 ]] && (( $1 <= 2 * 1000 * $2 ))' _ "$REC" "$INTERVAL"
t 1 "overview answered 200 every time while stalled" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["requests"]>0 and set(d["codes"])=={"200"}' "$WORK/poll.json"

# fe0 stopped: fe1 and fe2 keep the cluster collected.
curl -sf -X POST -d '{}' "$C/nodes/fe0/stop" >/dev/null
T_S=$(now_ms)
say "POST $C/nodes/fe0/stop; holding ${STOP_SECS}s"
read -r TA_FE TA_BE < <(curl -sf "$C/truth" | python3 -c '
import json,sys; s=json.load(sys.stdin)["summary"]; print(s["fe_alive"], s["be_alive"])')
say "truth while stopped: fe_alive=$TA_FE be_alive=$TA_BE"
wait_for $((STOP_SECS + 20)) "${STOP_SECS}s with fe0 stopped" bash -c "(( \$(date +%s%3N) >= $T_S + $STOP_SECS * 1000 ))"
T_E=$(now_ms)
curl -sf -X POST -d '{}' "$C/nodes/fe0/start" >/dev/null
say "while stopped: $(outcomes "$T_S" "$T_E")"
say "a stored error: $(sq "SELECT errors FROM collection_status WHERE cluster_id=1 AND collected_at>=$T_S AND collected_at<$T_E AND outcome<>'ok' LIMIT 1" | head -c 300)"
say "rows (outcome|fe_total|be_total|fe_alive|be_alive|qps): $(sq "SELECT s.outcome, m.fe_node_total, m.be_node_total, m.fe_node_alive, m.be_node_alive, round(m.qps,1) FROM collection_status s LEFT JOIN metrics_snapshots m USING (cluster_id, collected_at) WHERE s.cluster_id=1 AND s.collected_at>=$T_S AND s.collected_at<$T_E ORDER BY s.collected_at" | tr '\n' ' ')"
N=$(count_where "$T_S" "$T_E" 1)
F=$(count_where "$T_S" "$T_E" "s.outcome='failed'")
t 1 "fe0 stopped: $N collections, $F failed" bash -c '(( $1 >= $3 && $2 == 0 ))' _ "$N" "$F" $((STOP_SECS / INTERVAL - 1))
N=$(count_where "$T_S" "$T_E" "$WRONG_TOTALS OR (s.outcome<>'failed' AND m.fe_node_total IS NULL)")
t 1 "fe0 stopped: every row has fe/be totals $TRUTH_FE/$TRUTH_BE: $N wrong or missing" test "$N" = 0
N=$(count_where "$T_S" "$T_E" "m.fe_node_alive IS NOT NULL AND m.fe_node_alive > $TA_FE AND s.collected_at > $T_S + 2 * $INTERVAL * 1000")
t 1 "fe0 stopped: no row (after the first two intervals) counting more FEs alive than $TA_FE: $N" test "$N" = 0

# ---------------------------------------------------------------------------------------------
item 2 "HTTP stall on fe0 at a ${INTERVAL}s interval, then HTTP and SQL stalls"
T0=$(now_ms)
wait_for 30 "an ok collection with fe0 back" ok_after "$T0" || true
T_A=$(now_ms)
fault fe0 '{"http_delay_ms":20000}'
say "PUT $C/nodes/fe0/faults {\"http_delay_ms\":20000}"
wait_for 40 "three collections with the HTTP stall" has_rows_after "$T_A" 3 || true
T_B=$(now_ms)
fault fe0 '{"http_delay_ms":20000,"sql_delay_ms":20000}'
say "PUT $C/nodes/fe0/faults {\"http_delay_ms\":20000,\"sql_delay_ms\":20000}"
wait_for 40 "three collections with both stalls" has_rows_after "$T_B" 3 || true
T_X=$(now_ms)
fault fe0 '{"http_delay_ms":0,"sql_delay_ms":0}'
wait_for $((2 * INTERVAL + 10)) "an ok collection after clearing" ok_after "$T_X" || true
say "HTTP stall:        $(outcomes "$T_A" "$T_B")"
say "HTTP + SQL stall:  $(outcomes "$T_B" "$T_X")"
say "after clearing:    $(outcomes "$T_X" "$(now_ms)")"
say "a stored error:    $(sq "SELECT errors FROM collection_status WHERE cluster_id=1 AND collected_at>=$T_A AND collected_at<$T_B AND outcome<>'ok' LIMIT 1" | head -c 300)"
say "longest collection: $(sq "SELECT max(duration_ms) FROM collection_status WHERE cluster_id=1 AND collected_at>=$T_A AND collected_at<$T_X") ms (budget $((INTERVAL * 800)) ms)"
say "rows (outcome|fe_total|be_total|qps|cpu): $(sq "SELECT s.outcome, m.fe_node_total, m.be_node_total, round(m.qps,1), round(m.cpu_usage_pct,1) FROM collection_status s LEFT JOIN metrics_snapshots m USING (cluster_id, collected_at) WHERE s.cluster_id=1 AND s.collected_at>=$T_A AND s.collected_at<$T_X ORDER BY s.collected_at" | tr '\n' ' ')"
NA=$(count_where "$T_A" "$T_B" 1)
PA=$(count_where "$T_A" "$T_B" "s.outcome='partial'")
t 2 "HTTP stall: $PA of $NA collections partial, none failed" bash -c '(( $1 >= 2 && $2 == $1 ))' _ "$NA" "$PA"
NB=$(count_where "$T_B" "$T_X" 1)
FB=$(count_where "$T_B" "$T_X" "s.outcome='failed'")
t 2 "HTTP + SQL stall: $NB collections, $FB failed" bash -c '(( $1 >= 2 && $2 == 0 ))' _ "$NB" "$FB"
N=$(count_where "$T_A" "$T_X" "$WRONG_TOTALS")
t 2 "no row contradicting the truth: $N" test "$N" = 0
N=$(count_where "$T_A" "$T_X" "s.outcome<>'failed' AND m.be_node_total IS NULL")
t 2 "the healthy nodes' data kept (be_node_total present) in every row: $N without" test "$N" = 0
REC=$(sq "SELECT min(collected_at)-$T_X FROM collection_status WHERE cluster_id=1 AND collected_at>$T_X AND outcome='ok'")
t 2 "ok again within two intervals: ${REC:-never} ms" bash -c '[[ -n $1 ]] && (( $1 <= 2 * 1000 * $2 ))' _ "$REC" "$INTERVAL"

# ---------------------------------------------------------------------------------------------
item 7 "cross-origin POSTs with a session cookie"
LOGIN=$(curl -s -o /dev/null -w '%{http_code}' -m 30 -c "$WORK/jar" -H 'content-type: application/json' \
    -d "{\"username\":\"alice\",\"password\":\"$ALICE_PW\"}" "$BASE/api/v1/auth/login") || LOGIN=000
say "login with a cookie jar -> $LOGIN"
api GET /api/v1/alerts
AID=$(python3 -c 'import json,sys; a=json.loads(sys.argv[1])["alerts"]; print(a[0]["id"] if a else "")' "$RESP" 2>/dev/null) || AID=
say "a firing alert to ack: ${AID:-none} ($(json_get "$RESP" '["alerts"][0]["rule_id"]' 2>/dev/null || true))"
acked_by() { api GET /api/v1/alerts; python3 -c 'import json,sys; print([a.get("acked_by") for a in json.loads(sys.argv[1])["alerts"] if str(a["id"])==sys.argv[2]])' "$RESP" "$AID"; }
OTHER=9999
[[ $PORT == 9999 ]] && OTHER=9998
SIL='{"cluster_id":1,"rule_id":"be_down","duration_secs":600,"comment":"repro"}'
cookie_post() { # cookie_post PATH BODY ORIGIN SEC_FETCH_SITE
    curl -s -o "$WORK/resp" -w '%{http_code}' -m 30 -b "$WORK/jar" -X POST -H 'content-type: application/json' \
        -H "Origin: $3" -H "Sec-Fetch-Site: $4" --data-binary "$2" "$BASE$1" || echo 000
}
X1=$(cookie_post /api/v1/silences "$SIL" "http://127.0.0.1:$OTHER" same-site)
say "POST /api/v1/silences, Origin http://127.0.0.1:$OTHER, same-site -> $X1 $(cat "$WORK/resp")"
X2=$(cookie_post "/api/v1/alerts/$AID/ack" '{}' "http://127.0.0.1:$OTHER" same-site)
say "POST /api/v1/alerts/$AID/ack, Origin http://127.0.0.1:$OTHER, same-site -> $X2 $(cat "$WORK/resp")"
ACK_AFTER_X=$(acked_by)
S1=$(cookie_post /api/v1/silences "$SIL" "http://127.0.0.1:$PORT" same-origin)
say "POST /api/v1/silences, same origin -> $S1 $(head -c 200 "$WORK/resp")"
S2=$(cookie_post "/api/v1/alerts/$AID/ack" '{}' "http://127.0.0.1:$PORT" same-origin)
say "POST /api/v1/alerts/$AID/ack, same origin -> $S2 $(head -c 200 "$WORK/resp")"
ACK_AFTER_S=$(acked_by)
say "acked_by after the cross-origin ack: $ACK_AFTER_X; after the same-origin ack: $ACK_AFTER_S"
api GET /api/v1/silences
NSIL=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["silences"]))' "$RESP" 2>/dev/null) || NSIL="?"
t 7 "logged in with the cookie jar ($LOGIN)" test "$LOGIN" = 200
t 7 "cross-origin silence refused: $X1" test "$X1" = 403
t 7 "cross-origin ack refused: $X2" test "$X2" = 403
t 7 "same-origin silence accepted: $S1" bash -c '[[ $1 == 2?? ]]' _ "$S1"
t 7 "an alert to ack exists ($AID)" test -n "$AID"
t 7 "same-origin ack accepted: $S2" bash -c '[[ $1 == 2?? ]]' _ "$S2"
t 7 "the cross-origin ack changed nothing, the same-origin one recorded alice" bash -c '[[ $1 == "[None]" && $2 == *alice* ]]' _ "$ACK_AFTER_X" "$ACK_AFTER_S"
t 7 "exactly one silence exists: $NSIL" test "$NSIL" = 1

# ---------------------------------------------------------------------------------------------
item 4 "webhooks: no receiver body echoed; a deny list of networks"
SECRET="SECRET-$RANDOM$RANDOM"
python3 "$WORK/hook.py" "$SECRET" "$WORK/hook.port" "$WORK/hook.log" 2>"$WORK/hook.err" &
PIDS+=($!)
wait_for 10 "the receiver" test -s "$WORK/hook.port"
HOOK_PORT=$(cat "$WORK/hook.port")
api POST /api/v1/channels "{\"name\":\"hook\",\"kind\":\"webhook\",\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\"}"
say "POST /api/v1/channels webhook http://127.0.0.1:$HOOK_PORT/hook -> $CODE"
HOOK_ID=$(json_get "$RESP" '["id"]' 2>/dev/null || echo)
api POST "/api/v1/channels/$HOOK_ID/test"
say "POST /api/v1/channels/$HOOK_ID/test -> $CODE $RESP"
HITS=$(grep -c POST "$WORK/hook.log" 2>/dev/null) || HITS=0
say "the receiver got $HITS request(s) and answered 500 with a body holding $SECRET"
t 4 "channel created ($HOOK_ID)" test -n "$HOOK_ID"
t 4 "the test reached the receiver" test "$HITS" -ge 1
t 4 "the test answer does not carry the receiver's body" bash -c '[[ $1 != *"$2"* && $1 != *session=* ]]' _ "$RESP" "$SECRET"
t 4 "the test answer gives the status (500)" bash -c '[[ $1 == *500* ]]' _ "$RESP"
[[ -n $HOOK_ID ]] && api DELETE "/api/v1/channels/$HOOK_ID"
if grep -q "$SECRET" "$SERVE_LOG"; then
    broken 4 "the receiver's body is in the serve log"
else
    echo "  ok   the receiver's body is not in the serve log"
fi
say "(the deny list is checked on the serve restarted in item 3, below)"

# ---------------------------------------------------------------------------------------------
item 6 "a cluster named a\"b\\c} evil 1 and /metrics"
EVIL='a"b\c} evil 1'
EVIL_JSON=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$EVIL")
DEAD=$(freeport)
api POST /api/v1/clusters "{\"name\":$EVIL_JSON,\"fe_host\":\"127.0.0.1\",\"fe_query_port\":$DEAD,\"fe_http_port\":$DEAD,\"user\":\"root\",\"password\":\"x\",\"test\":false}"
say "POST /api/v1/clusters {\"name\":$EVIL_JSON, \"test\":false} -> $CODE"
EVIL_ID=$(json_get "$RESP" '["id"]' 2>/dev/null || echo)
metrics_has_evil() {
    curl -s -m 10 -H "Authorization: Bearer $TOKEN" "$BASE/metrics" >"$WORK/metrics.txt" && grep -q 'evil 1' "$WORK/metrics.txt"
}
wait_for $((3 * INTERVAL)) "a collection of the evil cluster in /metrics" metrics_has_evil || true
grep 'evil 1' "$WORK/metrics.txt" | head -3 | sed 's/^/     /' || true
if wait_for 120 "pip install prometheus-client" test -e "$WORK/venv.ready"; then
    PARSED=$("$WORK/venv/bin/python" "$WORK/promcheck.py" "$WORK/metrics.txt" "$EVIL" 2>&1 || true)
    say "prometheus_client $("$WORK/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("prometheus-client"))'): $PARSED"
    t 6 "registered ($CODE)" test "$CODE" = 201
    for p in prometheus_text openmetrics; do
        t 6 "$p parser: parses, and the label values are exactly {sr-1, $EVIL}" python3 -c '
import json,sys; d=json.loads(sys.argv[1])[sys.argv[2]]
assert "error" not in d, d
assert d["cluster_labels"]==sorted(["sr-1", sys.argv[3]]), d["cluster_labels"]
assert d["series_with_evil_name"]>0' "$PARSED" "$p" "$EVIL"
    done
else
    broken 6 "could not install prometheus-client: $(tail -3 "$WORK/pip.log" 2>/dev/null)"
fi
[[ -n $EVIL_ID ]] && api DELETE "/api/v1/clusters/$EVIL_ID"

# ---------------------------------------------------------------------------------------------
item 5 "login brute force"
BRUTE=$(python3 "$WORK/brute.py" 127.0.0.1 "$PORT" alice "$ALICE_PW" 200)
say "$BRUTE"
LOGLINE=$(grep -a 'failed login' "$SERVE_LOG" | tail -1) || true
say "log: ${LOGLINE:0:200}"
jq_() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$BRUTE" "$1"; }
t 5 "429 from attempt $(jq_ first_429_at) on (limit 10 per user), every later attempt 429" bash -c '[[ $1 == 11 && $2 == True ]]' _ "$(jq_ first_429_at)" "$(jq_ all_429_after)"
t 5 "Retry-After: $(jq_ retry_after)" bash -c '[[ $1 =~ ^[0-9]+$ && $1 -gt 0 ]]' _ "$(jq_ retry_after)"
t 5 "other names from the same address: 429 from attempt $(jq_ other_names_first_429_at) (limit 50 per address), Retry-After $(jq_ other_names_retry_after)" bash -c '[[ $1 =~ ^[0-9]+$ && $1 -le 50 && $2 =~ ^[0-9]+$ ]]' _ "$(jq_ other_names_first_429_at)" "$(jq_ other_names_retry_after)"
t 5 "the right password is refused while throttled: $(jq_ right_password_code)" test "$(jq_ right_password_code)" = 429
t 5 "the log shows the client address" bash -c '[[ $1 == *127.0.0.1* ]]' _ "$LOGLINE"
t 5 "the log never shows a tried password" bash -c '! grep -aq "wrong-1" "$1"' _ "$SERVE_LOG"

# ---------------------------------------------------------------------------------------------
item 9 "idle sockets against serve (STARMON_SERVER_HEADER_READ_TIMEOUT_SECS=5)"
HOLD=$((4 * INTERVAL))
T_FL=$(now_ms)
python3 "$WORK/flood.py" 127.0.0.1 "$PORT" 20000 "$HOLD" "$WORK/flood.ready" >"$WORK/flood.json" 2>"$WORK/flood.err" &
FLOOD_PID=$!
PIDS+=("$FLOOD_PID")
wait_for 60 "the sockets opened" test -s "$WORK/flood.ready" || true
say "ulimit -n here: $(ulimit -n) (hard $(ulimit -Hn)); the flooder opened $(cat "$WORK/flood.ready" 2>/dev/null) sockets (it needs a few descriptors of its own, so not quite 20,000)"
FDS=0
for _ in $(seq 10); do
    n=$(ls "/proc/$SERVE_PID/fd" 2>/dev/null | wc -l) || n=0
    ((n > FDS)) && FDS=$n
    sleep 0.5
done
wait_for $((HOLD + 30)) "the flooder" exited "$FLOOD_PID"
wait "$FLOOD_PID" || true
forget "$FLOOD_PID"
T_FE=$(now_ms)
say "flood: $(cat "$WORK/flood.json") $(head -c 300 "$WORK/flood.err")"
say "serve's open descriptors during the flood (peak seen): $FDS"
say "collections during the flood: $(outcomes "$T_FL" "$T_FE")"
fj() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/flood.json" "$1" 2>/dev/null || echo "?"; }
HZ=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$BASE/healthz" || echo 000)
N=$(count_where "$T_FL" "$T_FE" 1)
K=$(count_where "$T_FL" "$T_FE" "s.outcome='ok'")
t 9 "at least 5,000 idle sockets opened: $(fj opened) (connected $(fj connected))" bash -c '[[ $1 =~ ^[0-9]+$ ]] && (( $1 >= 5000 ))' _ "$(fj opened)"
t 9 "collections kept ok during the flood: $K of $N" bash -c '(( $1 >= 3 && $1 == $2 ))' _ "$N" "$K"
t 9 "no \"Too many open files\" in the log or the stored errors" bash -c '! grep -aqi "too many open files" "$1" && (( $(sqlite3 "$2" "SELECT count(*) FROM collection_status WHERE errors LIKE \"%open files%\"") == 0 ))' _ "$SERVE_LOG" "$DB"
t 9 "idle sockets closed by the server after the 5 s timeout: $(fj closed_by_server) closed, $(fj closed_within_8s) within 8 s of connecting, $(fj closed_before_4.5s) before 4.5 s (shortest life $(fj shortest_life_s) s)" bash -c '[[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (( $1 >= 1000 && $2 >= 500 && $3 == 0 ))' _ "$(fj closed_by_server)" "$(fj closed_within_8s)" "$(fj closed_before_4.5s)"
t 9 "serve kept its descriptors bounded (peak $FDS)" test "$FDS" -lt 2000
t 9 "/healthz answers after the flood: $HZ" test "$HZ" = 200

# the log checks of item 12 on this serve's whole life
if grep -aq $'\x1b' "$SERVE_LOG"; then
    broken 12 "ANSI escape codes in the serve log (stderr to a file)"
else
    echo "  ok   [12] no ANSI escape codes in the serve log ($(wc -l <"$SERVE_LOG") lines, stderr to a file)"
fi
N_ERR=$(grep -ac ' ERROR ' "$SERVE_LOG" || true)
say "[12] ERROR lines in the serve log: $N_ERR"

# ---------------------------------------------------------------------------------------------
item 3 "the key file"
stop_serve
KEY=$DB.key
mv "$KEY" "$WORK/key.saved"
# refused CMD…: runs a starmon command that must exit non-zero quickly; sets RC, SECS, MSG.
refused() {
    local s e
    s=$(date +%s%N)
    set +e
    timeout 20 "$@" >"$WORK/refused.out" 2>&1
    RC=$?
    set -e
    e=$(date +%s%N)
    SECS=$(python3 -c "print(round(($e-$s)/1e9,2))")
    MSG=$(tr '\n' ' ' <"$WORK/refused.out" | head -c 2000)
    REFUSALS+=("$*|$MSG")
}
REFUSALS=()
P3=$(freeport)
refused "$STARMON" serve --db "$DB" --listen "127.0.0.1:$P3"
say "key moved away: serve -> rc=$RC in ${SECS}s: $MSG"
t 3 "serve without the key refuses (rc $RC, ${SECS}s) with the remedy" bash -c '(( $1 != 0 && $1 != 124 )) && [[ $2 == *key* && $2 == *"key reset"* ]]' _ "$RC" "$MSG"
t 3 "no new key file appeared" test ! -e "$KEY"
refused "$STARMON" cluster list --db "$DB"
say "key moved away: cluster list -> rc=$RC in ${SECS}s: $MSG"
t 3 "cluster list without the key refuses (rc $RC) with the remedy" bash -c '(( $1 != 0 && $1 != 124 )) && [[ $2 == *"key reset"* ]]' _ "$RC" "$MSG"
t 3 "still no new key file" test ! -e "$KEY"
head -c 32 /dev/urandom >"$KEY"
chmod 600 "$KEY"
refused "$STARMON" serve --db "$DB" --listen "127.0.0.1:$P3"
say "another random 32-byte key: serve -> rc=$RC in ${SECS}s: $MSG"
t 3 "serve with a different key refuses (rc $RC, ${SECS}s)" bash -c '(( $1 != 0 && $1 != 124 )) && [[ $2 == *key* ]]' _ "$RC" "$MSG"
refused "$STARMON" cluster list --db "$DB"
say "another random 32-byte key: cluster list -> rc=$RC: $MSG"
t 3 "cluster list with a different key refuses (rc $RC)" bash -c '(( $1 != 0 && $1 != 124 ))' _ "$RC"
cp "$WORK/key.saved" "$KEY"
chmod 644 "$KEY"
say "key restored (mode 0644, readable by others)"
T_R=$(now_ms)
start_serve STARMON_NOTIFY_DENY_NETWORKS=127.0.0.0/8
wait_for $((2 * INTERVAL + 10)) "an ok collection after the restart" ok_after "$T_R" || true
say "restarted: $BASE; collections since: $(outcomes "$T_R" "$(now_ms)")"
WARN=$(grep -ai 'key' "$SERVE_LOG" | grep -aiE 'warn|readable' | head -1) || true
say "log: ${WARN:0:220}"
t 3 "serve starts with the key restored and collects ok" bash -c '[[ $1 == *ok* ]]' _ "$(outcomes "$T_R" "$(now_ms)")"
t 3 "a key file readable by others is warned about" test -n "$WARN"
chmod 600 "$KEY"

echo
echo "== [4] (continued) STARMON_NOTIFY_DENY_NETWORKS=127.0.0.0/8 on the restarted serve"
api POST /api/v1/channels "{\"name\":\"hook2\",\"kind\":\"webhook\",\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\"}"
say "POST /api/v1/channels webhook http://127.0.0.1:$HOOK_PORT/hook -> $CODE $RESP"
t 4 "a channel to a denied network is a 400 naming the rule" bash -c '[[ $1 == 400 && $2 == *deny* ]]' _ "$CODE" "$RESP"
api POST /api/v1/channels "{\"name\":\"hook3\",\"kind\":\"slack\",\"url\":\"http://localhost:$HOOK_PORT/hook\"}"
say "POST /api/v1/channels slack http://localhost:$HOOK_PORT/hook -> $CODE $RESP"
t 4 "also by host name (checked after DNS): 400" test "$CODE" = 400
stop_serve

# ---------------------------------------------------------------------------------------------
item 11 "a damaged (and a read-only) database"
mkdir -p "$WORK/bad" "$WORK/ro"
sqlite3 "$DB" ".backup '$WORK/bad/starmon.db'"
cp "$KEY" "$WORK/bad/starmon.db.key"
SZ=$(stat -c %s "$WORK/bad/starmon.db")
PG=$(sqlite3 "$WORK/bad/starmon.db" 'PRAGMA page_size')
NP=$((SZ / PG))
dd if=/dev/urandom of="$WORK/bad/starmon.db" bs="$PG" seek=$((NP / 2)) count=4 conv=notrunc status=none
dd if=/dev/urandom of="$WORK/bad/starmon.db" bs="$PG" seek=$((NP - 3)) count=3 conv=notrunc status=none
say "copy of $NP pages of $PG bytes; pages $((NP / 2))-$((NP / 2 + 3)) and $((NP - 3))-$((NP - 1)) overwritten with random bytes"
refused "$STARMON" serve --db "$WORK/bad/starmon.db" --listen "127.0.0.1:$P3"
say "serve --db <damaged> -> rc=$RC in ${SECS}s: $MSG"
t 11 "a damaged database is refused within 2 s, naming the file (rc $RC, ${SECS}s)" bash -c '(( $1 != 0 && $1 != 124 )) && python3 -c "import sys; assert float(sys.argv[1]) <= 2" "$2" && [[ $3 == *"$4"* ]]' _ "$RC" "$SECS" "$MSG" "$WORK/bad/starmon.db"
if [[ $(id -u) == 0 ]]; then
    say "running as root: a chmod'ed read-only file would still be writable, so the read-only case"
    say "is shown with an immutable file (chattr +i) where the file system supports it"
fi
sqlite3 "$DB" ".backup '$WORK/ro/starmon.db'"
cp "$KEY" "$WORK/ro/starmon.db.key"
chmod 444 "$WORK/ro/starmon.db"
if [[ $(id -u) != 0 ]] || chattr +i "$WORK/ro/starmon.db" 2>/dev/null; then
    refused "$STARMON" serve --db "$WORK/ro/starmon.db" --listen "127.0.0.1:$P3"
    say "serve --db <read-only> -> rc=$RC in ${SECS}s: $MSG"
    t 11 "a read-only database is refused within 2 s, naming the file (rc $RC)" bash -c '(( $1 != 0 && $1 != 124 )) && python3 -c "import sys; assert float(sys.argv[1]) <= 2" "$2" && [[ $3 == *"$4"* ]]' _ "$RC" "$SECS" "$MSG" "$WORK/ro/starmon.db"
    chattr -i "$WORK/ro/starmon.db" 2>/dev/null || true
else
    say "NOT SHOWN: read-only database (root, and chattr +i is not supported here)"
fi

echo
echo "== [12] (continued) error texts not repeated: the refusals above"
# repeated TEXT: some 60 characters of TEXT (temporary paths shortened) occur twice.
repeated() {
    python3 -c '
import sys
m = sys.argv[1].replace(sys.argv[2], "<tmp>")
sys.exit(0 if any(m.count(m[i:i + 60]) > 1 for i in range(len(m) - 60)) else 1)' "$1" "$WORK"
}
for r in "${REFUSALS[@]}"; do
    cmd=${r%%|*}
    cmd=${cmd//$WORK/<tmp>}
    cmd=${cmd//$STARMON/starmon}
    msg=${r#*|}
    if repeated "$msg"; then
        broken 12 "the error of \`${cmd:0:90}\` repeats its text ($(wc -c <<<"$msg") bytes)"
    else
        echo "  ok   the error of \`${cmd:0:90}\` says it once"
    fi
done

# ---------------------------------------------------------------------------------------------
echo
echo "== summary ($(($(date +%s) - T_BEGIN)) s)"
PASSED=0
NFAIL=0
for i in $(printf '%s\n' "${ITEMS[@]}" | sort -n | uniq); do
    if [[ -n ${FAILED[$i]-} ]]; then
        NFAIL=$((NFAIL + 1))
        printf '  [%2s] FAIL  %s\n' "$i" "${TITLE[$i]}"
    else
        PASSED=$((PASSED + 1))
        printf '  [%2s] PASS  %s\n' "$i" "${TITLE[$i]}"
    fi
done
echo "$PASSED passed, $NFAIL failed"
((NFAIL == 0))
