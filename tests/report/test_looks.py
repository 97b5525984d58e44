"""Reports looked at as a person would (issue 18, part 8): headless Chromium opens report.html and
a regulator package with no network; the screenshot is a page, not a blank, and no text is
clipped or runs past the window at a desktop and a narrow width.

Without Chromium these tests skip, saying why; with ``CI`` set they fail instead, so CI cannot
pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.looks import ChromiumMissing, Viewer, find_chromium, ink_share, save_small

WIDTHS = (1280, 800)  # a desktop window and a narrow one (half a wide screen, a tablet)


def _chromium_or_skip() -> Path:
    try:
        found = find_chromium()
        import playwright  # noqa: F401
    except (ChromiumMissing, ImportError) as exc:
        found, why = None, str(exc)
    else:
        why = "no Chromium on PATH (apt-get install chromium; .ci/run installs it)"
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the browser test cannot run: {why}")
        pytest.skip(why)
    return found


@pytest.fixture(scope="module")
def viewer():
    """One headless Chromium for the module (it is heavy: a few pages at a time)."""
    _chromium_or_skip()
    with Viewer() as v:
        yield v


def _page(tmp_path: Path, name: str, body: str, style: str = "") -> Path:
    path = tmp_path / name
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><style>body{{margin:8px;font:14px sans-serif}}"
                    f"{style}</style></head><body>{body}</body></html>", encoding="utf-8")
    return path


def _assert_reads_well(viewer, html: Path, tmp_path: Path):
    for width in WIDTHS:
        png = tmp_path / f"{html.parent.name}-{html.stem}-{width}.png"
        seen = viewer.look(html, png, width=width)
        assert seen.overflows == [], f"{html} at {width} px: {seen.overflows[:5]}"
        assert seen.refused_requests == [], f"{html} asked the network for {seen.refused_requests}"
        assert seen.width == width, f"{html} at {width} px is {seen.width} px wide"
        assert seen.height >= 900, f"{html} is only {seen.height} px tall: not a report"
        share, colours = ink_share(png)
        assert 0.03 < share < 0.8 and colours > 50, f"{png}: ink {share:.1%} in {colours} colours: blank or a block"


# --------------------------------------------------------------------------- the detector itself

def test_an_overflowing_element_is_caught(viewer, tmp_path):
    page = _page(tmp_path, "overflow.html",
                 "<p>fine text</p><div class='box'>averyveryverylongidentifierwithnobreakopportunityinsideit</div>"
                 "<div class='clip'>clipped text that does not fit in its box at all</div>",
                 ".box{width:120px} .clip{width:120px;white-space:nowrap;overflow:hidden}")
    problems = {(o["problem"], o["class"]) for o in viewer.look(page, width=800).overflows}
    assert ("text overflows its box", "box") in problems
    assert ("text is clipped", "clip") in problems
    assert not any(o["tag"] == "p" for o in viewer.look(page, width=800).overflows)


def test_text_past_the_window_is_caught_and_a_scroll_box_is_not_an_overflow(viewer, tmp_path):
    past = _page(tmp_path, "past.html", "<table><tr><td>" + "x" * 300 + "</td></tr></table>")
    seen = viewer.look(past, width=800)
    assert {"page scrolls sideways", "past the page width"} <= {o["problem"] for o in seen.overflows}
    assert any(o["tag"] == "td" and o["right"] > 800 for o in seen.overflows)
    scrolled = _page(tmp_path, "scroll.html", "<div class='s'><pre>" + "y" * 300 + "</pre></div>",
                     ".s{overflow-x:auto}")
    assert viewer.look(scrolled, width=800).overflows == []


def test_a_page_that_fits_has_no_overflow(viewer, tmp_path):
    page = _page(tmp_path, "fits.html", "<h1>Title</h1><p>" + "words that wrap " * 200 + "</p>")
    assert viewer.look(page, width=800).overflows == []


def test_a_blank_page_has_no_ink_and_a_page_of_text_has_some(viewer, tmp_path):
    blank = viewer.look(_page(tmp_path, "blank.html", ""), tmp_path / "blank.png", width=800, height=600)
    assert ink_share(blank.screenshot) == (0.0, 1)
    text = viewer.look(_page(tmp_path, "text.html", "<p>" + "audit findings " * 300 + "</p>"),
                       tmp_path / "text.png", width=800, height=600)
    share, colours = ink_share(text.screenshot)
    assert share > 0.03 and colours > 2


def test_no_request_leaves_the_machine(viewer, tmp_path):
    page = _page(tmp_path, "remote.html", "<img src='https://example.com/pixel.png'>"
                 "<link rel='stylesheet' href='http://192.0.2.1/x.css'><p>local</p>")
    seen = viewer.look(page, width=800)
    assert sorted(seen.refused_requests) == ["http://192.0.2.1/x.css", "https://example.com/pixel.png"]


def test_a_missing_chromium_named_by_the_environment_is_an_error_not_a_skip(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ChromiumMissing, match="no-such-chromium"):
        find_chromium()


def test_save_small_keeps_the_picture_and_shrinks_the_file(viewer, tmp_path):
    raw = viewer.look(_page(tmp_path, "t.html", "<h1>Audit</h1><p>" + "text " * 400 + "</p>"),
                      tmp_path / "raw.png", width=800, height=600, full_page=False).screenshot
    small = save_small(raw, tmp_path / "small.png")
    from PIL import Image

    assert Image.open(small).size == Image.open(raw).size == (800, 600)
    assert small.stat().st_size < raw.stat().st_size
    assert ink_share(small)[0] == pytest.approx(ink_share(raw)[0], abs=0.02)


# --------------------------------------------------------------------------- the report template

@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """The report tests' hostile-text run (long ids, script-like names, a full-width notice table
    with every column), rendered to HTML only: report.html and every regulator package."""
    from tests.conftest import MINIMAL_CASE
    from tests.report.test_report import HOSTILE, WIDE_ROWS
    from workbench.report import build_report

    import pandas as pd

    tmp = tmp_path_factory.mktemp("looks-hostile")
    shutil.copytree(MINIMAL_CASE, tmp / "case")
    run_dir = tmp / "run"
    shutil.copytree(HOSTILE, run_dir)
    pd.DataFrame(WIDE_ROWS).to_csv(run_dir / "artifacts" / "20_notice_timelines.jurisdictions.csv", index=False)
    build_report(run_dir, tmp / "case" / "case.yaml", formats=("json", "html"), packages="all",
                 regulator_formats=("json", "html"), generated_at="2018-03-01T00:00:00Z")
    return run_dir


def test_the_hostile_report_and_a_package_read_well_at_both_widths(viewer, hostile_report, tmp_path):
    package = sorted((hostile_report / "regulators").glob("*/report.html"))[0]
    for html in (hostile_report / "report.html", package):
        _assert_reads_well(viewer, html, tmp_path)


@pytest.mark.slow
def test_a_synthetic_runs_report_and_a_package_read_well_at_both_widths(viewer, audited_synthetic_case, tmp_path):
    """A whole run of 400 synthetic people (the suite's shared run): the report a regulator gets."""
    code, run_dir, _ = audited_synthetic_case
    assert code == 0
    packages = sorted((run_dir / "regulators").glob("*/report.html"))
    assert packages, "the run rendered no regulator package"
    us_ca = run_dir / "regulators" / "US-CA" / "report.html"
    for html in (run_dir / "report.html", us_ca if us_ca.is_file() else packages[0]):
        _assert_reads_well(viewer, html, tmp_path)


def test_the_command_writes_a_small_first_screen_png(tmp_path):
    # in a process of its own: Playwright's sync API runs one browser session per thread
    _chromium_or_skip()
    page = _page(tmp_path, "r.html", "<h1>Breach notification audit</h1><p>" + "summary " * 500 + "</p>")
    out = tmp_path / "img" / "report.png"
    cmd = [sys.executable, "-m", "workbench.looks"]
    done = subprocess.run([*cmd, str(page), "--out", str(out), "--width", "640", "--height", "480"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    from PIL import Image

    assert Image.open(out).size == (640, 480) and out.stat().st_size < 300_000
    assert not (tmp_path / "img" / "report.raw.png").exists()
    assert "report.png" in done.stdout
    bad = _page(tmp_path, "bad.html", "<div style='width:50px'>" + "z" * 200 + "</div>")
    done = subprocess.run([*cmd, str(bad), "--out", str(tmp_path / "bad.png")], capture_output=True, text=True)
    assert done.returncode == 1 and "overflow: text overflows its box" in done.stderr
    missing = subprocess.run([*cmd, str(tmp_path / "nothing.html"), "--out", str(tmp_path / "n.png")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "nothing.html: no such file" in missing.stderr


# --------------------------------------------------------------------------- README and CI

def test_the_readme_shows_a_small_screenshot_of_a_report():
    from PIL import Image

    from workbench.paths import PROJECT_ROOT

    png = PROJECT_ROOT / "docs" / "images" / "report.png"
    assert "](docs/images/report.png)" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert png.stat().st_size < 300_000, f"{png} is {png.stat().st_size} bytes"
    assert Image.open(png).size == (1280, 900)
    share, colours = ink_share(png)
    assert 0.03 < share < 0.8 and colours > 50, "the README's screenshot is blank"


def test_ci_installs_chromium_only_when_missing_and_apt_get_exists():
    from workbench.paths import PROJECT_ROOT

    script = (PROJECT_ROOT / ".ci" / "run").read_text()
    guard, install = "if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then", "apt-get install -y -q chromium"
    assert guard in script and install in script.split(guard, 1)[1].split("fi", 1)[0]
    assert script.index(install) < script.index("\nmake test")
