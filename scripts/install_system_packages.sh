#!/usr/bin/env bash
# Installs the Debian packages orderlens needs when they are missing:
# graphviz (pm4py renders process models with `dot`), chromium with its driver
# (browser tests, PDF reports) and a Java 17 runtime (the Spark engine and the Spark
# cluster the tests start). Runs apt only when something is missing, so a
# repeated `make setup` stays fast.
set -euo pipefail

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || need_uv=1

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${need_uv:-0}" -eq 1 ]; then
  echo "installing uv"
  python3 -m pip install --quiet uv
fi
