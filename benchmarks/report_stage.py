"""The report stage alone, per package selection: ``python -m benchmarks.report_stage RUN_DIR``.

Measures task ``report`` (:func:`benchmarks.tasks.report_stage`: ``build_report`` on a copy
of the run folder's artifacts, store and manifest) once per ``--packages`` mode, each in its
own child process (:func:`benchmarks.measure.run_task`: wall time, CPU seconds of the process
tree, peak memory), and prints one line per mode with the load average before and after.
A run folder of the demo case (``make demo``, 50,000 people) is the yardstick of issue 18's
"report stage under 30 s"; the numbers go into benchmarks/NOTES.md by hand. Not a test.
It first prints the machine's speed (:func:`benchmarks.measure.cpu_calibration_s`) and which
font subsetter WeasyPrint uses: numbers of two sessions compare only through those.

    .venv/bin/python -m benchmarks.report_stage reports/EXCB-2017-SYNTH/latest --modes with-findings,all
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from benchmarks.measure import cpu_calibration_s, pdf_font_subsetter, run_task


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.report_stage", description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", help="a run folder whose stages 00-30 ran (artifacts/, store/, manifest.json)")
    ap.add_argument("--modes", default="with-findings,all", help="package selections to measure, ';'-separated "
                    "when one is a list of codes (default with-findings,all)")
    ap.add_argument("--case", default=None, help="case.yaml (default: the run's store / manifest)")
    ap.add_argument("--workers", type=int, default=None, help="PDF processes (default: the workbench's)")
    ap.add_argument("--timeout-min", type=float, default=30)
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    ns = ap.parse_args(argv)
    modes = ns.modes.split(";") if ";" in ns.modes else ns.modes.split(",")
    machine = {"cpu_calibration_s": cpu_calibration_s(), "pdf_font_subsetter": pdf_font_subsetter()}
    if not ns.json:
        print(f"machine: {machine['cpu_calibration_s']} CPU-s for the calibration loop; PDF font subsetting: "
              f"{machine['pdf_font_subsetter']}" + (" (install libharfbuzz-subset0: fontTools costs about a third "
                                                    "more CPU per PDF)" if machine["pdf_font_subsetter"] != "harfbuzz"
                                                    else ""), flush=True)
    rows = []
    for mode in modes:
        before = os.getloadavg()[0]
        m = run_task("report", {"run_dir": ns.run_dir, "packages": mode, "case_path": ns.case, "workers": ns.workers},
                     timeout_s=ns.timeout_min * 60)
        rows.append({"packages": mode, "status": m.status, "wall_s": m.wall_s, "cpu_s": m.cpu_s,
                     "peak_rss_mb": m.peak_rss_mb, "load_before": round(before, 2),
                     "load_after": round(os.getloadavg()[0], 2), **machine, **m.result, "error": m.error})
        r = rows[-1]
        if not ns.json:
            print(f"--packages {mode}: {m.status}, {m.wall_s:.1f} s wall (build_report {r.get('build_report_s')} s), "
                  f"{m.cpu_s} CPU-s, {m.peak_rss_mb} MB peak; {r.get('packages')} package(s), {r.get('pdfs')} PDF(s), "
                  f"{r.get('not_rendered')} not rendered; load {r['load_before']} -> {r['load_after']}"
                  + (f"; {m.error}" if m.error else ""), flush=True)
    if ns.json:
        print(json.dumps(rows, indent=1))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
