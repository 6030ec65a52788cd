"""Check an mmaudit HTML page in headless Chromium: it renders, no two chart labels overlap, no
label leaves its chart, which tables scroll sideways in a 1280 px window; and keep a screenshot.

    python -m tests.browser report.html [--screenshot report.png]

Overlap is measured glyph by glyph: each character's box (SVG getExtentOfChar) is mapped to the
screen through its transform (rotated labels stay rotated), and boxes of different labels are
tested with the separating-axis test. Needs Debian's `chromium` (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars"]

WINDOW = "1280,2000"  # a laptop's browser window: the check and the screenshot see the page at this width

_CHECK_JS = r"""
(function () {
  function quads(t) {
    const m = t.getScreenCTM(), out = [], n = t.getNumberOfChars();
    for (let i = 0; i < n; i++) {
      const r = t.getExtentOfChar(i);
      if (!r.width || !r.height) continue;
      const inset = 1;  // touching is not overlapping
      out.push([[r.x + inset, r.y + inset], [r.x + r.width - inset, r.y + inset],
                [r.x + r.width - inset, r.y + r.height - inset], [r.x + inset, r.y + r.height - inset]]
        .map(([x, y]) => { const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; }));
    }
    return out;
  }
  function apart(a, b) {
    for (const poly of [a, b]) for (let i = 0; i < 4; i++) {
      const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4], nx = y2 - y1, ny = x1 - x2;
      let amin = Infinity, amax = -Infinity, bmin = Infinity, bmax = -Infinity;
      for (const [x, y] of a) { const p = nx * x + ny * y; amin = Math.min(amin, p); amax = Math.max(amax, p); }
      for (const [x, y] of b) { const p = nx * x + ny * y; bmin = Math.min(bmin, p); bmax = Math.max(bmax, p); }
      if (amax <= bmin || bmax <= amin) return true;
    }
    return false;
  }
  const result = {svgs: 0, texts: 0, overlaps: [], outside: [], headline_first: false};
  for (const svg of document.querySelectorAll("svg")) {
    result.svgs++;
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")].map(t => ({t, q: quads(t),
      label: [...t.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join("")}));
    result.texts += texts.length;
    for (const {label, q} of texts) for (const quad of q) for (const [x, y] of quad)
      if (x < box.left - 1 || x > box.right + 1 || y < box.top - 1 || y > box.bottom + 1) {
        result.outside.push(label); break; }
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      let hit = false;
      for (const a of texts[i].q) { for (const b of texts[j].q) if (!apart(a, b)) { hit = true; break; } if (hit) break; }
      if (hit) result.overlaps.push([texts[i].label, texts[j].label]);
    }
  }
  const firstTable = document.querySelector("table"), firstChart = document.querySelector("svg");
  result.headline_first = !!firstTable && (!firstChart ||
    (firstTable.compareDocumentPosition(firstChart) & Node.DOCUMENT_POSITION_FOLLOWING) > 0);
  // tables wider than their box (they scroll sideways): the first header of each
  result.scrolling = [...document.querySelectorAll("table")]
    .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
    .map(t => (t.querySelector("th") || {}).textContent || "");
  result.headline_fits = !!firstTable && firstTable.scrollWidth <= firstTable.parentElement.clientWidth + 1;
  const pre = document.createElement("pre");
  pre.id = "mmaudit-check";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
"""


def chromium() -> str | None:
    return next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)


def _run(browser: str, args: list[str], profile: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def check_page(page: Path, screenshot: Path | None = None) -> dict:
    """Load `page` in Chromium with the checking script appended; return its findings."""
    browser = chromium()
    if browser is None:
        raise FileNotFoundError("chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        checked = Path(tmp) / "checked.html"
        text = page.read_text(encoding="utf-8")
        checked.write_text(text.replace("</body>", f"<script>{_CHECK_JS}</script></body>"), encoding="utf-8")
        done = _run(browser, [f"--window-size={WINDOW}", "--dump-dom", checked.as_uri()], str(Path(tmp) / "profile"))
        marker = done.stdout.split('<pre id="mmaudit-check">', 1)
        if len(marker) < 2:
            raise RuntimeError(f"the page did not render: {done.stderr[-500:]}")
        result = json.loads(html.unescape(marker[1].split("</pre>", 1)[0]))
        if screenshot is not None:
            shot = _run(browser, [f"--window-size={WINDOW}", f"--screenshot={screenshot}", page.resolve().as_uri()],
                        str(Path(tmp) / "profile2"))
            result["screenshot"] = str(screenshot) if screenshot.exists() else f"failed: {shot.stderr[-300:]}"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    result = check_page(args.page, args.screenshot)
    print(json.dumps(result, indent=2))
    return 0 if not result["overlaps"] and not result["outside"] and result["headline_first"] else 1


if __name__ == "__main__":
    sys.exit(main())
