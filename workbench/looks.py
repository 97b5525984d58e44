"""Looks at a report as a person would: headless Chromium opens the HTML file with no network,
takes a screenshot and measures every element for text that is clipped or runs off the page.

The browser is the system's Chromium (Debian's ``chromium``, which ``.ci/run`` installs;
``WORKBENCH_CHROMIUM`` names another binary), driven by Playwright over its own pipe;
``playwright install`` is never needed and nothing is downloaded. Every request that is not
``file:`` or ``data:`` is refused and recorded (the reports are self-contained and carry a CSP).

``python -m workbench.looks REPORT.html --out docs/images/report.png`` writes the README's
screenshot (``make screenshot``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkbenchError

#: binaries tried in order when WORKBENCH_CHROMIUM is not set
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: belt and braces beside the request filter: no host resolves, no background traffic
NO_NETWORK_ARGS = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-pings", "--disable-domain-reliability")

#: JavaScript run in the page: one entry per element whose text is clipped by its box, overflows
#: it, or reaches past the page's width. Scroll containers (overflow auto/scroll) may be wider
#: inside than outside: they and what is inside them are meant to scroll and are not counted.
OVERFLOW_JS = r"""
() => {
  const pageWidth = document.documentElement.clientWidth;
  const out = [];
  const scrolls = v => v === "auto" || v === "scroll";
  const snippet = el => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 80);
  const ownText = el => Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const describe = (el, problem, extra) => Object.assign({
    problem, tag: el.tagName.toLowerCase(), id: el.id || "",
    class: (typeof el.className === "string" ? el.className : "") || "", text: snippet(el),
    scroll_width: el.scrollWidth, client_width: el.clientWidth,
    right: Math.round(el.getBoundingClientRect().right), page_width: pageWidth}, extra || {});
  const root = document.documentElement;
  if (root.scrollWidth > pageWidth + 1) out.push(describe(root, "page scrolls sideways"));
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (!snippet(el)) continue;
    let inScroller = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scrolls(getComputedStyle(p).overflowX)) { inScroller = true; break; }
    }
    const block = style.display !== "inline" && style.display !== "contents";
    if (block && !inScroller && !scrolls(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      out.push(describe(el, style.overflowX === "visible" ? "text overflows its box" : "text is clipped"));
    } else if (block && (style.overflowY === "hidden" || style.overflowY === "clip")
               && el.scrollHeight > el.clientHeight + 1) {
      out.push(describe(el, "text is clipped at the bottom",
                        {scroll_height: el.scrollHeight, client_height: el.clientHeight}));
    }
    if (!inScroller && ownText(el) && (rect.right > pageWidth + 1 || rect.left < -1)) {
      out.push(describe(el, "past the page width"));
    }
    if (out.length >= 100) break;
  }
  return out;
}
"""


class ChromiumMissing(WorkbenchError):
    """No Chromium binary (or no Playwright) to look at a page with."""


def find_chromium() -> Path | None:
    """WORKBENCH_CHROMIUM if set (it must exist), else the first of CHROMIUM_NAMES on PATH."""
    named = os.environ.get("WORKBENCH_CHROMIUM")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ChromiumMissing(f"WORKBENCH_CHROMIUM={named}: no such file")
        return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


@dataclass(frozen=True)
class Look:
    """What the browser saw: the screenshot written, the page's size and every overflow."""

    html: Path
    screenshot: Path | None
    width: int
    height: int
    overflows: list[dict] = field(default_factory=list)
    refused_requests: list[str] = field(default_factory=list)


class Viewer:
    """One headless Chromium for several looks: ``with Viewer() as v: v.look(path, png)``."""

    def __init__(self, executable: Path | None = None):
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise ChromiumMissing(f"no Chromium found (tried {', '.join(CHROMIUM_NAMES)} on PATH; "
                                  "set WORKBENCH_CHROMIUM or apt-get install chromium)")
        self._pw = self._browser = None

    def __enter__(self) -> "Viewer":
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:  # pragma: no cover - dev extra missing
            raise ChromiumMissing("Playwright is not installed: pip install -e '.[dev]'") from exc
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=str(self.executable), headless=True,
                                                     args=list(NO_NETWORK_ARGS))
        except Exception:
            self._pw.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()

    def look(self, html: Path, screenshot: Path | None = None, *, width: int = 1280, height: int = 900,
             full_page: bool = True) -> Look:
        """Open ``html`` at a ``width`` x ``height`` viewport, measure overflows and (if
        ``screenshot``) write a PNG of the whole page or, with ``full_page=False``, its first screen."""
        html = Path(html).resolve()
        if not html.is_file():
            raise FileNotFoundError(f"{html}: no such file")
        refused: list[str] = []

        def _only_local(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context = self._browser.new_context(viewport={"width": width, "height": height}, offline=True,
                                            java_script_enabled=True, service_workers="block")
        try:
            page = context.new_page()
            page.route("**/*", _only_local)
            page.goto(html.as_uri(), wait_until="load")
            overflows = page.evaluate(OVERFLOW_JS)
            size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            if screenshot is not None:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=full_page)
        finally:
            context.close()
        return Look(html, Path(screenshot) if screenshot else None, size[0], size[1], overflows, refused)


def ink_share(png: Path) -> tuple[float, int]:
    """Share of pixels that differ from the background (the most common colour), and the number
    of distinct colours: a blank page is (0.0, 1)."""
    from PIL import Image

    with Image.open(png) as img:
        small = img.convert("RGB")
        small.thumbnail((640, 4000))  # enough to tell a page from a blank one, a fraction of the memory
        colours = small.getcolors(maxcolors=1 << 24) or []
    total = sum(n for n, _ in colours)
    background = max(n for n, _ in colours) if colours else 0
    return (1 - background / total if total else 0.0), len(colours)


def save_small(png: Path, dst: Path, *, colours: int = 256) -> Path:
    """``png`` as an optimised palette PNG at ``dst`` (text and flat fills lose nothing a reader sees in 256 colours)."""
    from PIL import Image

    with Image.open(png) as img:
        small = img.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    dst.parent.mkdir(parents=True, exist_ok=True)
    small.save(dst, optimize=True)
    return dst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workbench.looks", description=__doc__.split("\n\n")[0])
    ap.add_argument("html", type=Path, help="an HTML file, such as a run's report.html")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    ap.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels (default 1280)")
    ap.add_argument("--height", type=int, default=900, help="viewport height (default 900)")
    ap.add_argument("--full-page", action="store_true", help="the whole page, not its first screen")
    args = ap.parse_args(argv)
    raw = args.out.with_suffix(".raw.png")
    try:
        with Viewer() as viewer:
            seen = viewer.look(args.html, raw, width=args.width, height=args.height, full_page=args.full_page)
        save_small(raw, args.out)
    except (ChromiumMissing, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        raw.unlink(missing_ok=True)
    print(f"{args.out}: {args.out.stat().st_size // 1024} KiB, page {seen.width}x{seen.height} px")
    for o in seen.overflows:
        print(f"overflow: {o['problem']}: <{o['tag']} class={o['class']!r}> {o['text']!r}", file=sys.stderr)
    for url in seen.refused_requests:
        print(f"refused request: {url}", file=sys.stderr)
    return 1 if seen.overflows or seen.refused_requests else 0


if __name__ == "__main__":
    sys.exit(main())
