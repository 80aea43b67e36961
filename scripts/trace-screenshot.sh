#!/usr/bin/env bash
# Render a fakedri Chrome trace-event JSON with catapult's trace viewer (the
# viewer behind chrome://tracing) in headless Chromium and save a PNG.
#
#   scripts/trace-screenshot.sh TRACE.json [OUT.png]
#   (default OUT: docs/images/trace-pipeline.png)
#
# Regenerating docs/images/trace-pipeline.png:
#   cmake -S . -B build-shot && cmake --build build-shot -j2
#   build-shot/bin/fakedri run --trace /tmp/t.json -- build-shot/fakedri-example-pipeline
#   scripts/trace-screenshot.sh /tmp/t.json
#
# What it installs (all outside the repository):
#   - `apt-get install chromium` if no chromium is on PATH (Debian 12: ~20 s);
#   - the npm package puppeteer-core@24 into ${CACHE:-~/.cache/fakedri-trace-shot}
#     (~10 s; it drives the system chromium and downloads no browser);
#   - catapult (for tracing/bin/trace2html, which needs python3 only): taken
#     from $CATAPULT_DIR if set, else shallow-cloned into $CACHE/catapult
#     (~1-2 min). Only tracing/, common/ and third_party/ of it are used.
# Rendering itself takes ~10 s: trace2html embeds the trace in a standalone
# HTML viewer (~4 MB, kept in $CACHE); puppeteer opens it, turns on the flow
# events (off by default in the viewer), selects the first GPU job slice so
# the details panel shows its args and flows, and takes a 1200x500 screenshot.
# chrome://tracing itself cannot be used headless: Chromium now disables it as
# an "internal debugging page".
set -euo pipefail

trace=${1:?usage: $0 TRACE.json [OUT.png]}
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$repo/docs/images/trace-pipeline.png}
CACHE=${CACHE:-$HOME/.cache/fakedri-trace-shot}
mkdir -p "$CACHE"
trace=$(realpath "$trace")
out=$(realpath -m "$out")

chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium_bin" ]; then
	apt-get install -y chromium
	chromium_bin=$(command -v chromium)
fi

if [ ! -d "$CACHE/node_modules/puppeteer-core" ]; then
	(cd "$CACHE" && { [ -f package.json ] || npm init -y >/dev/null; } &&
		npm install --no-audit --no-fund puppeteer-core@24)
fi

catapult=${CATAPULT_DIR:-$CACHE/catapult}
if [ ! -x "$catapult/tracing/bin/trace2html" ]; then
	git clone --depth 1 https://chromium.googlesource.com/catapult "$catapult"
fi

html=$CACHE/trace.html
python3 "$catapult/tracing/bin/trace2html" "$trace" --output="$html"

cat > "$CACHE/shot.mjs" <<'JS'
import puppeteer from 'puppeteer-core';
const [chromium, html, out] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b = await puppeteer.launch({executablePath: chromium, headless: true,
	args: ['--no-sandbox', '--disable-gpu']});
const p = await b.newPage();
await p.setViewport({width: 1200, height: 500});
await p.goto('file://' + html, {waitUntil: 'load'});
await p.waitForSelector('tr-ui-timeline-view', {timeout: 30000});
await sleep(3000);
// "Flow events" drop-down -> "All", then close it.
await p.mouse.click(731, 11); await sleep(300);
await p.mouse.click(722, 43); await sleep(300);
await p.mouse.click(731, 11); await sleep(500);
// Select the job slice on the first GPU queue track.
await p.mouse.click(637, 62); await sleep(1000);
await p.screenshot({path: out});
await b.close();
JS
(cd "$CACHE" && node shot.mjs "$chromium_bin" "$html" "$out")
echo "wrote $out ($(stat -c %s "$out") bytes)"
