#!/usr/bin/env bash
# All of promaudit's tests. Installs what they need on a fresh Debian machine first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real servers for the live tests, promtool for the benchmark and Neovim for the editor test,
# from Debian's packages.
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
[ -x /usr/bin/prometheus-node-exporter ] || missing+=(prometheus-node-exporter)
[ -x /usr/bin/victoria-metrics ] || missing+=(victoria-metrics)
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo test --workspace --all-targets
cargo xtask docs --check
cargo xtask audit
# Mutation fuzzing of the whole pipeline on the fixtures (and ../shared/corpus when present): no
# panic, hang or span outside its file. Built for release, so that the 10 s hang limit measures
# promaudit rather than a debug build.
cargo run --release --quiet -p xtask -- fuzz --budget-secs 60 --seed 1
# Speed is a feature: fail when promaudit is not at least twice as fast as promtool.
if [ -f ../shared/bench/make-corpus.py ]; then
  cargo xtask bench --copies 10 --min-ratio 2
else
  echo "bench: skipped, no ../shared/bench/make-corpus.py beside the repository"
fi
