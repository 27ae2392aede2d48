#!/bin/bash
# Container entrypoint: apply the orchestrator's migrations, then replace this shell with the
# application, so the application is the container's main process and gets its signals.
#
#   docker/entrypoint.sh node server.js    migrate, then run `node server.js`
#   docker/entrypoint.sh                   migrate and exit (an init container or a Job)
#
# Deploy is retried only while retrying may help (the CLI's exit code 3: the database is
# unreachable, the connection dropped, or another deploy held the lock too long), with
# exponential backoff and a bounded number of attempts. Any other failure is real (a broken
# migration, a bad DATABASE_URL): the container stops at once and the application never starts.
#
# Settings (environment):
#   MIGRATE_ON_START                 true (default) or false: false skips migrations, e.g. when
#                                    an init container or a Job runs them
#   MIGRATE_COMMAND                  the deploy command: one command and its arguments, in shell
#                                    syntax, run in APP_DIR
#                                    (default: node --import tsx orchestrator/index.ts deploy)
#   MIGRATE_MAX_ATTEMPTS             how many times deploy may run in all (default 10)
#   MIGRATE_RETRY_DELAY_SECONDS      wait after the first unreachable attempt (default 1;
#                                    decimals allowed), doubled after each further one
#   MIGRATE_RETRY_MAX_DELAY_SECONDS  cap on that wait (default 30)
#   APP_DIR                          the application folder (default: the folder above this
#                                    script's, /app in the image)
# DATABASE_URL and ORCHESTRATOR_PROJECT are read by the orchestrator itself.
#
# bash, not sh: dash's `wait` can miss a signal that arrives just before it starts (then
# `docker stop` during a backoff sits out the whole delay), and its `$(jobs -p)` is empty.
set -eu

EXIT_UNREACHABLE=3

log() {
  printf 'entrypoint: %s\n' "$*" >&2
}

fail() {
  log "$1"
  exit "$2"
}

APP_DIR=${APP_DIR:-$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)}
MIGRATE_ON_START=${MIGRATE_ON_START:-true}
MIGRATE_COMMAND=${MIGRATE_COMMAND:-node --import tsx orchestrator/index.ts deploy}
MIGRATE_MAX_ATTEMPTS=${MIGRATE_MAX_ATTEMPTS:-10}
MIGRATE_RETRY_DELAY_SECONDS=${MIGRATE_RETRY_DELAY_SECONDS:-1}
MIGRATE_RETRY_MAX_DELAY_SECONDS=${MIGRATE_RETRY_MAX_DELAY_SECONDS:-30}

# A typo in a setting must not silently turn into "retry forever" or "skip migrations".
require_count() {
  case $2 in
    '' | *[!0-9]* | 0) fail "$1 must be a whole number of at least 1, not \"$2\"" 64 ;;
  esac
}

require_seconds() {
  case $2 in
    '' | . | *[!0-9.]* | *.*.*) fail "$1 must be a number of seconds such as 2 or 0.5, not \"$2\"" 64 ;;
  esac
}

require_count MIGRATE_MAX_ATTEMPTS "$MIGRATE_MAX_ATTEMPTS"
require_seconds MIGRATE_RETRY_DELAY_SECONDS "$MIGRATE_RETRY_DELAY_SECONDS"
require_seconds MIGRATE_RETRY_MAX_DELAY_SECONDS "$MIGRATE_RETRY_MAX_DELAY_SECONDS"

case $(printf '%s' "$MIGRATE_ON_START" | tr '[:upper:]' '[:lower:]') in
  true | 1 | yes | on) migrate=true ;;
  false | 0 | no | off) migrate=false ;;
  *) fail "MIGRATE_ON_START must be true or false, not \"$MIGRATE_ON_START\"" 64 ;;
esac

[ -d "$APP_DIR" ] || fail "APP_DIR \"$APP_DIR\" is not a folder" 64

# Until the exec below, this shell is the container's PID 1, which the kernel shields from
# signals it does not handle: without these traps, `docker stop` during a long backoff would
# wait for the kill timeout. Deploy is safe to stop: each migration commits or rolls back whole.
stop() {
  log "received SIG$1 before the application started; stopping"
  # Every background child, not just the last $!: the signal may land between a fork and $!.
  local children
  children=$(jobs -p)
  if [ -n "$children" ]; then
    # shellcheck disable=SC2086 # one PID per word
    kill -TERM $children 2>/dev/null || :
    wait 2>/dev/null || :
  fi
  exit "$2"
}
trap 'stop TERM 143' TERM
trap 'stop INT 130' INT

# Seconds may have decimals, which shell arithmetic cannot do.
scaled_delay() {
  awk -v delay="$1" -v factor="$2" -v cap="$MIGRATE_RETRY_MAX_DELAY_SECONDS" \
    'BEGIN { delay *= factor; if (delay > cap) delay = cap; print delay }'
}

if [ "$migrate" = true ]; then
  attempt=1
  delay=$(scaled_delay "$MIGRATE_RETRY_DELAY_SECONDS" 1)
  while :; do
    log "applying migrations (attempt $attempt of $MIGRATE_MAX_ATTEMPTS): $MIGRATE_COMMAND"
    # In the background and waited for, because a trap only fires between commands: `wait`
    # returns as soon as a signal arrives, a foreground child would not. `exec` makes $! the
    # deploy process itself (`sh -c` would put a shell in between), so the trap can stop it.
    (cd "$APP_DIR" && eval "exec $MIGRATE_COMMAND") &
    status=0
    wait "$!" || status=$?
    case $status in
      0) break ;;
      "$EXIT_UNREACHABLE") ;;
      *) fail "migrations failed (deploy exited with $status); the application was not started" "$status" ;;
    esac
    if [ "$attempt" -ge "$MIGRATE_MAX_ATTEMPTS" ]; then
      fail "deploy still fails with a retryable error (exit 3) after $attempt attempt(s); giving up, the application was not started" "$EXIT_UNREACHABLE"
    fi
    log "attempt $attempt of $MIGRATE_MAX_ATTEMPTS: deploy exited 3 (database unreachable, connection lost or deploy lock busy: see its error above); retrying in ${delay}s"
    sleep "$delay" &
    wait "$!" || :
    attempt=$((attempt + 1))
    delay=$(scaled_delay "$delay" 2)
  done
  log "migrations are up to date"
else
  log "MIGRATE_ON_START=$MIGRATE_ON_START: not applying migrations"
fi

if [ "$#" -eq 0 ]; then
  log "no application command given; exiting"
  exit 0
fi

# The application handles its own signals from here on.
trap - TERM INT
exec "$@"
