"""GX Data Docs of a run, self-contained, in ``<run_dir>/data_docs/``.

Built for every run from the validation results its Checkpoints already produced (nothing is
validated again; :meth:`workbench.quality.gx._Gx.build_data_docs`), with personal values
masked as in the evidence files. GX's pages load Bootstrap, jQuery, Font Awesome and Vega
from public CDNs and show logos from the web; here every script, external stylesheet, web
image and form is removed, GX's own stylesheet is inlined with a small local one, and each
page gets a Content-Security-Policy that forbids any fetch. GX's index page builds its tables
with those scripts, so it is replaced by a static one listing every validation page. The
site is refused (:class:`DataDocsError`) if any file still refers to another host
(:func:`workbench.render.external_references`, the check of the report's HTML).

The report links ``data_docs/index.html``; :data:`RECORD` says where it is and which inputs
have pages.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterable

from workbench.errors import WorkbenchError

#: The site's folder inside a run folder, and the JSON record of it in ``artifacts/``.
DATA_DOCS_DIR = "data_docs"
RECORD = "10_data_quality.data_docs.json"

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_FORM = re.compile(r"<form\b.*?</form\s*>", re.IGNORECASE | re.DOTALL)
_EMBEDS = re.compile(r"<(iframe|object|embed)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_WEB = r"""["']\s*(?:https?:)?//[^"']*["']"""
_WEB_IMG = re.compile(rf"<img\b[^>]*\bsrc\s*=\s*{_WEB}[^>]*>", re.IGNORECASE)
_WEB_ATTR = re.compile(rf"\s(?:href|src|srcset|action|formaction|poster|background|data)\s*=\s*{_WEB}", re.IGNORECASE)
_CSS_WEB_URL = re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//[^)]*\)", re.IGNORECASE)
_FONT_FACE = re.compile(r"@font-face\s*{[^}]*}", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import[^;]*;", re.IGNORECASE)
#: Any mention of another host left in a file (stricter than an attribute check: CSS, forms).
_ANY_WEB = re.compile(r"""(?:src|href|srcset|action|formaction|data|poster|background)\s*=\s*["']?\s*(?:https?:)?//"""
                      r"""|url\(\s*['"]?\s*(?:https?:)?//|@import""", re.IGNORECASE)

#: What GX's pages take from Bootstrap, in a few lines.
BASE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 1.5rem; color: #212529; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #dee2e6; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
.card, .ge-section { border: 1px solid #dee2e6; border-radius: 4px; margin: 0.75rem 0; padding: 0.5rem 0.75rem; }
.text-danger { color: #b02a37; } .text-success { color: #146c43; }
.badge { border: 1px solid #6c757d; border-radius: 3px; padding: 0 0.25rem; font-size: 0.85em; }
.collapse:not(.show) { display: block; }
.hide-succeeded-validations-column-section, .d-none, nav .navbar-toggler { display: none; }
code, pre { background: #f6f8fa; padding: 0 0.2rem; }
"""


class DataDocsError(WorkbenchError):
    """Data Docs that would load something from another host: never written as they are."""


def self_contained(page: str, css: str) -> str:
    """One of GX's HTML pages without scripts, external stylesheets, web images or forms,
    with ``css`` inlined and a Content-Security-Policy that forbids any fetch."""
    for pattern in (_SCRIPT, _LINK, _FORM, _EMBEDS, _WEB_IMG):
        page = pattern.sub("", page)
    page = _WEB_ATTR.sub("", page)  # links to GX's web site: kept as text
    page = _CSS_WEB_URL.sub("none", _CSS_IMPORT.sub("", page))
    head = (f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f"<style>{css}</style>\n")
    return re.sub(r"(<head\b[^>]*>)", lambda m: m.group(1) + "\n" + head, page, count=1, flags=re.IGNORECASE)


def _local_css(folder: Path) -> str:
    """The small base stylesheet and GX's own (its web background and fonts removed)."""
    gx_css = folder / "static" / "styles" / "data_docs_default_styles.css"
    text = gx_css.read_text(encoding="utf-8") if gx_css.is_file() else ""
    text = _CSS_WEB_URL.sub("none", _FONT_FACE.sub("", _CSS_IMPORT.sub("", text)))
    return BASE_CSS + text


def external_references_in(folder: Path) -> dict[str, list[str]]:
    """Every HTML or CSS file of ``folder`` that refers to another host, with what it refers to."""
    from workbench.render import external_references

    bad = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".html", ".htm", ".css"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found = external_references(text) + [m.group(0) for m in _ANY_WEB.finditer(text)]
            if found:
                bad[str(path.relative_to(folder))] = found
    return bad


def outside_gx(validations: Iterable) -> list[dict[str, Any]]:
    """The checks of these validations that the workbench computed itself, not GX (the
    uniqueness expectations of the ``chunked`` and ``duckdb`` engines), as their evidence
    records them: they have no GX result, so GX's pages cannot show them."""
    out = []
    for v in validations:
        for raw in getattr(v, "raw_results", None) or []:
            batch = raw.get("batch") or {}
            if batch.get("population") and batch.get("computed_by") and "result" in raw:
                res = raw["result"]
                out.append({"input": v.input, "check": batch["check"], "computed_by": batch["computed_by"],
                            "element_count": res.get("element_count"), "unexpected_count": res.get("unexpected_count")})
    return out


def _index(pages: list[dict[str, Any]], without: dict[str, str], outside: list[dict[str, Any]] = ()) -> str:
    rows = "\n".join(
        f"<tr><td>{html.escape(p['input'])}</td><td>{html.escape(p['run_time'])}</td>"
        f"<td class=\"{'text-success' if p['success'] else 'text-danger'}\">{'Succeeded' if p['success'] else 'Failed'}</td>"
        f"<td>{p['evaluated']}</td><td>{p['successful']}</td>"
        f"<td><a href=\"{html.escape(p['page'])}\">validation result</a></td>"
        f"<td>{'<a href=%s>suite</a>' % json.dumps(html.escape(p['suite_page'])) if p['suite_page'] else ''}</td></tr>"
        for p in pages)
    missing = "".join(f"<li>{html.escape(n)}: {html.escape(why)}</li>" for n, why in without.items())
    missing = f"<h2>Inputs without a page</h2><ul>{missing}</ul>" if missing else ""
    if outside:
        rows_out = "\n".join(
            f"<tr><td>{html.escape(o['input'])}</td><td>{html.escape(o['check'])}</td><td>{o['element_count']}</td>"
            f"<td>{o['unexpected_count']}</td><td>{html.escape(o['computed_by'])}</td></tr>" for o in outside)
        missing += ("<h2>Checks computed by the workbench, not by Great Expectations</h2>"
                    "<p>These expectations of the suites are not on GX's pages: the workbench computed them "
                    f"over every row (their evidence is in <code>evidence/gx/</code>).</p>"
                    "<table><thead><tr><th>Input</th><th>Check</th><th>Rows</th><th>Unexpected rows</th>"
                    f"<th>Computed by</th></tr></thead><tbody>{rows_out}</tbody></table>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Data Docs: validation results of this run</title><style>{BASE_CSS}</style></head>
<body><h1>Data Docs: validation results of this run</h1>
<p>Great Expectations' validation results of each input, one page per Checkpoint run
(an input validated in chunks has a page per chunk). Personal values are masked as in
<code>evidence/gx/</code>; the workbench's findings are in the report.</p>
<table><thead><tr><th>Input</th><th>Run time (UTC)</th><th>Status</th><th>Expectations evaluated</th>
<th>Successful</th><th>Page</th><th>Suite</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{missing}
</body></html>
"""


def build_site(gx, run_dir: str | Path, validations: Iterable, *, cap: int, mask: bool) -> dict[str, Any]:
    """Write the run's Data Docs into ``<run_dir>/data_docs/`` and return their record.

    ``gx`` is the :class:`workbench.quality.gx._Gx` whose Checkpoints validated the inputs;
    an input validated elsewhere (in worker processes) has no page, and the record and the
    index say so. Raises :class:`DataDocsError` if a file would still refer to another host.
    """
    run_dir = Path(run_dir)
    folder = run_dir / DATA_DOCS_DIR
    if folder.exists():  # a stage run again in the same folder: the site describes this run only
        shutil.rmtree(folder)
    validations = list(validations)
    validated = [v.input for v in validations]
    if not gx.results:  # nothing validated in this process: no GX context to render from
        pages_by_input: dict[str, list[Path]] = {}
        folder.mkdir(parents=True)
    else:
        pages_by_input = gx.build_data_docs(folder, cap=cap, mask=mask)
    css = _local_css(folder)
    shutil.rmtree(folder / "static", ignore_errors=True)  # GX's fonts, logos and CSS: inlined or unused
    for path in folder.rglob("*.html"):
        path.write_text(self_contained(path.read_text(encoding="utf-8"), css), encoding="utf-8")
    for path in folder.rglob("*.css"):
        path.write_text(_CSS_WEB_URL.sub("none", _CSS_IMPORT.sub("", path.read_text(encoding="utf-8"))),
                        encoding="utf-8")
    pages = []
    seen: dict[str, int] = {}
    for name, key, result in gx.results:
        i = seen.get(name, 0)
        seen[name] = i + 1
        page = pages_by_input[name][i]
        suite_page = folder.joinpath("expectations", *result.suite_name.split(".")).with_suffix(".html")
        stats = result.statistics or {}
        pages.append({"input": name, "run_time": key.run_id.run_time.strftime("%Y-%m-%d %H:%M:%S"),
                      "success": bool(result.success), "evaluated": int(stats.get("evaluated_expectations", 0)),
                      "successful": int(stats.get("successful_expectations", 0)),
                      "page": page.relative_to(folder).as_posix(),
                      "suite_page": suite_page.relative_to(folder).as_posix() if suite_page.is_file() else None})
    without = {v.input: ("no accepted rows: nothing to validate" if not v.stats.get("rows_accepted") else
                         "validated in worker processes (chunks of a large input): its results are in "
                         f"evidence/gx/{v.input}.json")
               for v in validations if v.input not in seen}
    outside = outside_gx(validations)
    (folder / "index.html").write_text(_index(pages, without, outside), encoding="utf-8")
    bad = external_references_in(folder)
    if bad:
        raise DataDocsError(f"Data Docs would load external resources: {dict(list(bad.items())[:3])}")
    return {"index": f"{DATA_DOCS_DIR}/index.html",
            "built_from": "the validation results of this run's Checkpoints (no validation run again)",
            "personal_values_masked": mask,
            "checkpoint_runs": {n: seen.get(n, 0) for n in validated},
            "pages": [{k: p[k] for k in ("input", "success", "page", "suite_page")} | {
                "page": f"{DATA_DOCS_DIR}/{p['page']}",
                "suite_page": p["suite_page"] and f"{DATA_DOCS_DIR}/{p['suite_page']}"} for p in pages],
            "inputs_without_pages": without,
            "computed_outside_gx": [{k: o[k] for k in ("input", "check", "computed_by")} for o in outside]}
