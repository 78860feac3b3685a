#!/bin/sh
# Re-extract the interface strings (src/bch/web: pages, embeds and the matches fragment, all
# under src/bch/web/templates; and src/bch/sources) and merge them into the six catalogs (new strings arrive
# untranslated; tests/web/test_translations.py fails until every one is translated).
set -e
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
$BIN/pybabel extract -F src/bch/web/babel.cfg -k _ --no-location --sort-output \
  --project "Biosafety Clearing-House" -o src/bch/web/locale/messages.pot src/bch/web src/bch/sources
$BIN/pybabel update -i src/bch/web/locale/messages.pot -d src/bch/web/locale -D messages \
  --no-fuzzy-matching --ignore-obsolete
