#!/bin/sh
# Rebuilds templates/echarts.min.js, the custom build of Apache ECharts that
# the HTML report inlines: only the parts entry.js names (echarts/core with
# tree shaking), about half the size of the full dist/echarts.min.js.
#
# The built file is committed; nothing in the build or the tests runs this.
# Run it by hand after changing entry.js or the versions below, then run
# go test ./report/chart/... ./templates/... (the browser tests draw every
# kind of chart the report has). Needs node and npm; installs into a
# temporary directory, never into the repository.
set -eu
ECHARTS=5.6.0   # keep equal to templates.EChartsVersion
ESBUILD=0.28.2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "echarts@$ECHARTS" "esbuild@$ESBUILD"
zrender=$(node -p 'require("zrender/package.json").version')
cp "$here/entry.js" entry.js
# IIFE that defines one global, echarts; production mode (no dev warnings);
# licence comments dropped from the body and stated once in the banner.
npx esbuild entry.js --bundle --minify --format=iife --global-name=echarts \
  --target=es2017 --legal-comments=none \
  --define:process.env.NODE_ENV='"production"' --define:__DEV__=false \
  --banner:js="/*! Apache ECharts $ECHARTS (custom build: line, bar, grid, tooltip, scroll legend, SVG renderer; with ZRender $zrender and tslib), built by templates/echarts-build/build.sh with esbuild $ESBUILD. Apache License 2.0 (ZRender: BSD 3-Clause; tslib: 0BSD): see ECHARTS_LICENSE and ECHARTS_NOTICE. */" \
  --outfile=echarts.min.js
# The page inlines the file in a <script> element: it must not end it early.
if grep -qi -e '</script' -e '<!--' echarts.min.js; then
  echo "build.sh: the build contains </script or <!--" >&2
  exit 1
fi
cp echarts.min.js "$here/../echarts.min.js"
wc -c "$here/../echarts.min.js"
