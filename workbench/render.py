"""Executed notebooks to self-contained HTML (code hidden, no external requests).

The ``selfcontained`` nbconvert template drops the require.js, MathJax, mermaid and
widget CDN blocks of the stock ``lab`` template and adds a Content-Security-Policy, so a
file opened by a regulator makes no network request. Images are embedded as data URIs.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbench.paths import TEMPLATES_DIR

TEMPLATE_NAME = "selfcontained"
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)


def notebook_to_html(nb_path: str | Path, html_path: str | Path | None = None, *,
                     hide_code: bool = True) -> Path:
    """Render an executed notebook to a self-contained HTML file beside it (or at html_path)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb_path = Path(nb_path)
    html_path = Path(html_path) if html_path else nb_path.with_suffix(".html")
    exporter = HTMLExporter(template_name=TEMPLATE_NAME,
                            extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")])
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.read(nb_path, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": nb_path.stem}})
    external = external_references(body)
    if external:
        raise ValueError(f"{nb_path}: HTML would load external resources: {external[:3]}")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def external_references(html: str) -> list[str]:
    """src/href attributes that point at another host (what a self-contained file must not have)."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]
