#!/bin/sh
# `docker run IMAGE`, `docker run IMAGE serve [ARGS]` and `docker run IMAGE --KEY VALUE ...` serve;
# any other command (bash, python3 ...) runs as given.
set -e
if [ $# -eq 0 ]; then
    exec /usr/local/bin/serve
fi
case "$1" in
    serve) shift; exec /usr/local/bin/serve "$@" ;;
    --*) exec /usr/local/bin/serve "$@" ;;
esac
exec "$@"
