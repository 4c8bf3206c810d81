#!/usr/bin/env bash
# buf from npm (tools/package.json pins it): `lint` checks proto/ with buf's default rules,
# `breaking` compares proto/ with the previous commit so a change cannot break clients silently.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
buf="$root/tools/node_modules/.bin/buf"

if [ ! -x "$buf" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { echo "npm is missing: install Node.js" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  # The exact version in tools/package.json pins buf and, through it, its platform binary.
  npm install --prefix "$root/tools" --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null
fi

cd "$root/proto"
case "${1:-}" in
  lint)
    "$buf" lint
    echo "buf lint: ok"
    ;;
  breaking)
    cd "$root"
    if ! git rev-parse -q --verify HEAD~1 >/dev/null || ! git cat-file -e HEAD~1:proto/buf.yaml 2>/dev/null; then
      echo "buf breaking: no previous commit with proto/ to compare with; skipped"
      exit 0
    fi
    # Compare with the previous commit when the tree is clean, with HEAD while proto/ has changes.
    against=HEAD~1
    [ -n "$(git status --porcelain -- proto)" ] && against=HEAD
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    git archive "$against" proto | tar -x -C "$tmp"
    (cd "$root/proto" && "$buf" breaking --against "$tmp/proto")
    echo "buf breaking: no breaking change against $against"
    ;;
  *) echo "usage: $0 lint|breaking" >&2; exit 2 ;;
esac
