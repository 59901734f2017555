#!/usr/bin/env bash
# Refreshes translations/*.ts from the sources: lupdate reads every tr() / QT_TR_NOOP /
# QCoreApplication::translate of ui/ and app/studio, adds new strings as "unfinished", keeps the
# translations of unchanged ones and drops strings that no longer exist (-no-obsolete).
#   translations/update.sh            # then translate the unfinished entries (Qt Linguist:
#                                     # linguist translations/sfr_studio_de.ts) and commit the .ts
# The CTest ui.translations_complete fails while a shipped language has an unfinished entry or
# a source string that is not in its .ts file.
set -euo pipefail
cd "$(dirname "$0")/.."
lupdate="${LUPDATE:-}"
if [ -z "$lupdate" ]; then
  for candidate in /usr/lib/qt6/bin/lupdate "$(command -v lupdate6 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then lupdate="$candidate"; break; fi
  done
fi
[ -n "$lupdate" ] || { echo "update.sh: Qt 6 lupdate not found (Debian: qt6-l10n-tools)" >&2; exit 1; }
exec "$lupdate" -no-obsolete -locations relative -I ui/include ui app/studio \
  -ts translations/sfr_studio_zh_CN.ts translations/sfr_studio_de.ts "$@"
