#!/usr/bin/env bash
# A private Graphite (Debian's carbon-cache + graphite-web under gunicorn) in its own folder, with its own ports:
# for tests and experiments; never touches /etc/carbon or /var/lib/graphite.
#
#   tools/graphite.sh install          apt-get install graphite-carbon graphite-web gunicorn (root)
#   tools/graphite.sh start DIR        prints LINE_PORT=<plaintext port> WEB=<graphite-web URL> once both answer
#   tools/graphite.sh stop DIR
set -euo pipefail

free_port() { # a free TCP port above $1
  local p
  for p in $(seq $(( $1 + 1 )) $(( $1 + 400 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "graphite.sh: no free port above $1" >&2; exit 1
}

case "${1:-}" in
  install)
    if [ -x /usr/bin/carbon-cache ] && [ -x /usr/bin/gunicorn ] && [ -d /usr/lib/python3/dist-packages/graphite ]; then exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "graphite.sh: graphite-carbon/graphite-web/gunicorn missing and not root" >&2; exit 1; }
    apt-get -o DPkg::Lock::Timeout=600 update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
      graphite-carbon graphite-web gunicorn >/dev/null
    ;;
  start)
    dir=$(mkdir -p "${2:?graphite.sh start DIR}" && cd "$2" && pwd)
    mkdir -p "$dir/storage/whisper" "$dir/storage/log/webapp" "$dir/conf" "$dir/py"
    line=$(free_port 22003); pickle=$(free_port "$line"); query=$(free_port "$pickle"); web=$(free_port "$query")
    cat >"$dir/conf/carbon.conf" <<CONF
[cache]
STORAGE_DIR = $dir/storage/
LOCAL_DATA_DIR = $dir/storage/whisper/
WHITELISTS_DIR = $dir/storage/lists/
CONF_DIR = $dir/conf/
LOG_DIR = $dir/storage/log/
PID_DIR = $dir/
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $line
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $pickle
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $query
LOG_UPDATES = False
LOG_CREATES = False
CONF
    # one-second resolution for an hour, then 10 s for a day: a run's series keep their per-second shape
    printf '[vireo]\npattern = .*\nretentions = 1s:1h,10s:1d\n' >"$dir/conf/storage-schemas.conf"
    printf '[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = average\n' >"$dir/conf/storage-aggregation.conf"
    cat >"$dir/py/vireo_graphite_settings.py" <<PY
STORAGE_DIR = "$dir/storage/"
LOG_DIR = "$dir/storage/log/webapp/"
WHISPER_DIR = "$dir/storage/whisper/"
STANDARD_DIRS = ["$dir/storage/whisper/"]
INDEX_FILE = "$dir/storage/index"
CARBONLINK_HOSTS = ["127.0.0.1:$query"]
SECRET_KEY = "vireo-private-graphite"
TIME_ZONE = "UTC"
DATABASES = {"default": {"NAME": "$dir/storage/graphite.db", "ENGINE": "django.db.backends.sqlite3"}}
PY
    setsid -f /usr/bin/carbon-cache --config="$dir/conf/carbon.conf" --pidfile="$dir/carbon.pid" --nodaemon start \
      >"$dir/carbon.out" 2>&1 </dev/null
    # detached (own session, no inherited stdio): a caller reading this script's output sees it end
    (cd "$dir" && PYTHONPATH="$dir/py" GRAPHITE_SETTINGS_MODULE=vireo_graphite_settings \
      DJANGO_SETTINGS_MODULE=graphite.settings setsid -f /usr/bin/gunicorn --bind "127.0.0.1:$web" --workers 2 \
      --pid "$dir/web.pid" --chdir /usr/share/graphite-web --pythonpath "$dir/py" \
      graphite.wsgi:application) >"$dir/web.out" 2>&1 </dev/null
    for _ in $(seq 1 150); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$line") 2>/dev/null && curl -sf "http://127.0.0.1:$web/render?target=x&format=json" >/dev/null; then
        echo "LINE_PORT=$line"; echo "WEB=http://127.0.0.1:$web"; exit 0
      fi
      sleep 0.2
    done
    echo "graphite.sh: carbon or graphite-web did not come up in 30 s; logs:" >&2
    tail -5 "$dir/carbon.out" "$dir/web.out" >&2
    "$0" stop "$dir"; exit 1
    ;;
  stop)
    dir=${2:?graphite.sh stop DIR}
    pids=$(cat "$dir/web.pid" "$dir/carbon.pid" 2>/dev/null || true)
    # gunicorn's workers and carbon find their own config under DIR: take any straggler by its command line too
    pids="$pids $(pgrep -f -- "$dir/" 2>/dev/null || true)"
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 1 30); do
      alive=""; for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
      [ -z "$alive" ] && break; sleep 0.1
    done
    for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
    rm -f "$dir/web.pid" "$dir/carbon.pid"
    ;;
  *) echo "usage: tools/graphite.sh install | start DIR | stop DIR" >&2; exit 2 ;;
esac
