# Sourced by scripts that need a live server: builds `hearth` (unless HEARTH_BIN names one),
# makes a platform administrator on a throw-away SQLite database, starts the server on a free
# port, and sets `base` (its URL), `token` (the administrator's access token) and `work` (a
# directory removed on exit). Needs `venv` to point at a virtualenv holding what the caller
# installed.

email="script-admin@example.org"
password="throwaway server lantern orbit"

bin=${HEARTH_BIN:-target/debug/hearth}
if [ -z "${HEARTH_BIN:-}" ]; then
  cargo build --quiet -p hearth-api --bin hearth
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

printf '%s\n' "$password" | RUST_LOG=warn "$bin" admin create --email "$email" \
  --display-name Scripts --database-url "sqlite://$work/hearth.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# A data key of its own, so referral endpoints answer instead of 503.
HEARTH_DATA_KEY=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())') \
  RUST_LOG=${RUST_LOG:-warn} "$bin" serve --bind "127.0.0.1:$port" \
  --database-url "sqlite://$work/hearth.db" >"$work/server.log" 2>&1 &
server=$!

for _ in $(seq 1 100); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done

token=$(curl -fsS -X POST --data-urlencode grant_type=password --data-urlencode "username=$email" \
  --data-urlencode "password=$password" "$base/v1/auth/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# Fails the calling script when the server panicked while it ran.
server_panicked() {
  if grep -q "panicked" "$work/server.log"; then
    echo "the server panicked:" >&2
    grep -A5 "panicked" "$work/server.log" >&2
    return 0
  fi
  return 1
}
