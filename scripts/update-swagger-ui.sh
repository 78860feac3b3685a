#!/bin/sh
# Replaces the vendored Swagger UI of /docs (src/bch/api/docs_assets/) with swagger-ui-dist VERSION
# from the npm registry: the files the page loads, unchanged, with the package's LICENSE and NOTICE.
# Then set SWAGGER_UI_VERSION in src/bch/api/docs_page.py and docs_assets/README.md to VERSION.
#   sh scripts/update-swagger-ui.sh 5.35.0
set -e
VERSION=${1:?usage: update-swagger-ui.sh VERSION}
DEST=$(cd "$(dirname "$0")/.." && pwd)/src/bch/api/docs_assets
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE; do
  cp "$WORK/package/$f" "$DEST/$f"
done
echo "swagger-ui-dist $VERSION copied to $DEST"
