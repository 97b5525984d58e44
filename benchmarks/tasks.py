"""The measured tasks, by name: each runs in its own child process (:mod:`benchmarks.measure`).

A task takes JSON-able keyword arguments and returns a small JSON-able dict with at least
``rows`` (input rows it processed, for rows per second) and, where it makes sense,
``counts`` (what it found), so that the workbench and the baseline can be compared.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from workbench.registry import Registry

TASKS: Registry[Callable[..., dict[str, Any]]] = Registry("benchmark task")

#: Written beside a prepared case: what it was generated with (a case is reused only if it matches).
MARKER = "bench_case.json"


# --------------------------------------------------------------------------- data

@TASKS.register("generate")
def generate(case_dir: str, people: int, seed: int = 2017, chunk_rows: int = 500_000) -> dict[str, Any]:
    """A synthetic case with people and notices as Parquet (both written by the generator)."""
    import json

    from workbench.synth import generate_case

    case_dir = Path(case_dir)
    if case_dir.exists():
        shutil.rmtree(case_dir)
    t0 = time.perf_counter()
    result = generate_case(case_dir, people, seed, chunk_rows=chunk_rows, notices_format="parquet")
    gen_s = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in case_dir.rglob("*") if p.is_file())
    doc = {"people": people, "seed": seed, "chunk_rows": chunk_rows, "rows": result.rows,
           "bytes": size, "generate_s": round(gen_s, 1), "format": "parquet"}
    (case_dir / MARKER).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return {"rows": people, "input_rows": result.rows, "written_mb": round(size / 1e6, 1),
            "generate_s": round(gen_s, 1)}


# --------------------------------------------------------------------------- the workbench

def _case(case_path: str):
    from workbench.case import load_case

    return load_case(case_path)


def _io_rows(case) -> int:
    """People + notices rows (what the population-scale stages read), from the Parquet metadata."""
    import pyarrow.parquet as pq

    total = 0
    for name in ("affected_people", "notices"):
        p = case.input_path(name)
        if p is not None and p.suffix == ".parquet":
            total += pq.ParquetFile(p).metadata.num_rows
    return total


@TASKS.register("quality")
def quality_stage(case_path: str, engine: str = "chunked", chunk_rows: int | None = None,
                  spark_driver_memory: str = "4g") -> dict[str, Any]:
    """Stage 10: every suite through the chosen engine plus the DuckDB population checks."""
    from workbench import quality

    case = _case(case_path)
    opts = quality.EngineOptions(chunk_rows=chunk_rows, mask_personal_data=case.parameters.mask_personal_data)
    if engine == "spark":
        os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f"--driver-memory {spark_driver_memory} pyspark-shell")
        opts.spark_session = quality.spark_session(opts.spark_master)
    with tempfile.TemporaryDirectory(prefix="bench_run_") as run_dir:
        result = quality.run_stage(case, run_dir, engine=engine, options=opts)
    counts = {f"{v.input}.{o.check}": int(o.unexpected_count) for v in result.validations for o in v.outcomes}
    counts.update({f"{v.input}.rows_rejected": int(v.rejects_total) for v in result.validations})
    for f in result.findings:
        if f.code == "dq.population.person_without_notice":
            counts["cross.people_without_notice"] = int(f.count)
        elif f.code == "dq.population.notice_unknown_person":
            counts["cross.notices_to_unknown_people"] = int(f.count)
    errors = [f"{v.input}.{o.check}: {o.error}" for v in result.validations for o in v.outcomes if o.error]
    return {"rows": int(result.summary["rows_read"].sum()), "findings": len(result.findings), "counts": counts,
            "errors": errors[:5]}


@TASKS.register("timelines")
def timelines_stage(case_path: str) -> dict[str, Any]:
    """Stage 20: per-person notice status against the deadlines (DuckDB)."""
    from workbench import timelines

    with tempfile.TemporaryDirectory(prefix="bench_run_") as run_dir:
        t = timelines.run_stage(case_path, run_dir)
    j = t.jurisdictions
    counts = {"on_time": j["on_time"].sum(), "late": j["late"].sum(), "overdue": j["overdue"].sum(),
              "missing": j["undelivered_only"].sum(), "pending": j["pending"].sum(),
              "not_required": j["not_required"].sum(), "not_assessed": j["not_assessed"].sum()}
    planted = {"late": 0, "overdue": 0}
    truth = Path(case_path).parent / "truth.json"
    if truth.is_file():  # a synthetic case: the late and missing people planted in it
        import json

        for d in json.loads(truth.read_text())["defects"]:
            if d["kind"] == "late_notice":
                planted["late"] += d["count"]
            elif d["kind"] == "missing_notice":
                planted["overdue"] += d["count"]
    return {"rows": _io_rows(t.case), "findings": len(t.findings),
            "counts": {k: int(v) for k, v in sorted(counts.items()) if v}, "jurisdictions": int(len(j)),
            "planted": planted}


@TASKS.register("letters")
def letters_stage(case_path: str) -> dict[str, Any]:
    """Stage 30, letter reconciliation (DuckDB), on a case store of people and notices (the
    intake of those two inputs is measured with it)."""
    from workbench.irregularities.stage import Irregularities, run_notice_letters
    from workbench.store import build_store

    case = _case(case_path)
    result = Irregularities()
    with tempfile.TemporaryDirectory(prefix="bench_run_") as run_dir:
        store = build_store(case, run_dir, names=["affected_people", "notices"])
        run_notice_letters(store, case, result)
    found = result.by_check.get("notice_letters", [])
    counts = {(f"link:{f.subject}" if f.code.startswith("letter_") else f.code): int(f.count) for f in found}
    return {"rows": _io_rows(case), "findings": len(found), "counts": dict(sorted(counts.items()))}


@TASKS.register("run")
def whole_run(case_path: str, notebooks: str | None = None, out: str | None = None) -> dict[str, Any]:
    """``workbench run``: every notebook through papermill, reports and manifest.

    ``notebooks`` is another folder of numbered notebooks (the smoke test uses a tiny one);
    ``out`` keeps the run folder (its run.log still tells the per-notebook times if the
    task is killed); by default a temporary folder.
    """
    from workbench.runner import notebook_set, run_case

    case = _case(case_path)
    nbs = notebook_set(Path(notebooks)) if notebooks else None
    with tempfile.TemporaryDirectory(prefix="bench_reports_") as tmp:
        r = run_case(case_path, out or tmp, notebooks=nbs, progress=False)
        status = r.status
        notebooks_s = {n.name: n.seconds for n in r.notebooks}
        errors = [n.error for n in r.notebooks if n.error]
    if status != "completed":
        raise RuntimeError(f"workbench run {status}: {errors[:1]}")
    return {"rows": _io_rows(case), "status": status, "notebook_seconds": notebooks_s}


#: What a report stage reads from a run folder (its own outputs are left behind, so each
#: measurement renders everything it is asked for).
REPORT_INPUTS = ("artifacts", "store", "manifest.json")


@TASKS.register("report")
def report_stage(run_dir: str, packages: str = "with-findings", case_path: str | None = None,
                 workers: int | None = None) -> dict[str, Any]:
    """The report stage alone (``build_report``: findings, report.html/.pdf, the selected
    regulator packages) on a copy of a run folder's artifacts, store and manifest."""
    from workbench.report import build_report

    if not (Path(run_dir) / "artifacts").is_dir():  # measuring an empty report would look like a fast one
        raise FileNotFoundError(f"{run_dir}: no artifacts/ folder; expected a run folder whose stages 00-30 ran")
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        work = Path(tmp) / "run"
        work.mkdir()
        for name in REPORT_INPUTS:
            src = Path(run_dir) / name
            if src.is_dir():
                shutil.copytree(src, work / name)
            elif src.is_file():
                shutil.copy2(src, work / name)
        t0 = time.perf_counter()
        r = build_report(work, case_path, packages=packages, workers=workers)
        seconds = time.perf_counter() - t0
        pdfs = len(list(work.rglob("report.pdf")))
    people = r.context.people
    return {"rows": int(people["people"].sum()) if people is not None else 0, "packages": len(r.regulators),
            "not_rendered": len(r.plan.not_rendered), "pdfs": pdfs, "findings": len(r.findings),
            "build_report_s": round(seconds, 2)}


def notebook_seconds_from_log(out: str | Path) -> dict[str, float]:
    """Per-notebook seconds from the newest run.log under ``out`` (for a run that was killed)."""
    logs = sorted(Path(out).rglob("run.log"), key=lambda p: p.stat().st_mtime)
    if not logs:
        return {}
    found = re.findall(r"notebook (\S+) done in ([0-9.]+) s", logs[-1].read_text(errors="replace"))
    return {name: float(sec) for name, sec in found}


# --------------------------------------------------------------------------- stages against hand-written DuckDB
#
# Each stage alone on a store built once (``store``), against its reference in
# :mod:`benchmarks.reference`; the intake (which builds a store) against the reference's
# COPY statements. Every task returns ``rows`` and ``counts`` in one shape per stage.

#: Written beside a prepared store: what it was built from (a store is reused only if it matches).
STORE_MARKER = "bench_store.json"


def _workbench_digest() -> str:
    """sha256 over the workbench package's source files: a store built by other code is rebuilt."""
    import hashlib

    import workbench

    root = Path(workbench.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".json") and "__pycache__" not in path.parts:
            h.update(f"{path.relative_to(root)}\0".encode() + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _inputs_fingerprint(case) -> dict[str, Any]:
    """Per declared file input: its files' sizes and modification times (cheap, unlike a hash)."""
    out: dict[str, Any] = {}
    for name in case.declared_inputs():
        path = case.input_path(name)
        if path is None:
            out[name] = "sql"
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        out[name] = [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files]
    return out


def _population_rows(store) -> int:
    return store.rows("affected_people") + store.rows("notices")


@TASKS.register("store")
def prepare_store(case_path: str, store_dir: str) -> dict[str, Any]:
    """The case store of ``case_path``, built by the intake into ``store_dir`` once and
    reused while it matches (the same case.yaml and input files, the same workbench code);
    the stage tasks then read it, so that their times exclude the intake."""
    import json

    from workbench.case import load_case
    from workbench.store import STORE_FORMAT_VERSION, CaseStore, StoreError, build_store

    case = load_case(case_path)
    folder = Path(store_dir)
    want = {"case_path": str(Path(case_path).resolve()), "inputs": _inputs_fingerprint(case),
            "workbench": _workbench_digest(), "store_format": STORE_FORMAT_VERSION}
    marker = folder / STORE_MARKER
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == want:
        try:
            store = CaseStore.open(folder)
            if store.holds(case_path):
                return {"rows": _population_rows(store), "reused": True}
        except StoreError:
            pass
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    store = build_store(case, folder)
    marker.write_text(json.dumps(want, indent=1) + "\n", encoding="utf-8")
    return {"rows": _population_rows(store), "reused": False, "built_s": round(time.perf_counter() - t0, 1)}


class _OnStore:
    """A temporary run folder that reads a prepared store (its ``store/`` and ``rejects/``
    linked in), so that what a stage or a reference writes (artifacts, evidence, the
    per-person file) never lands in the shared store folder."""

    def __init__(self, store_dir: str | Path):
        self.store_dir = Path(store_dir).resolve()

    def __enter__(self):
        from workbench.store import REJECTS_SUBDIR, STORE_SUBDIR, CaseStore

        self._tmp = tempfile.TemporaryDirectory(prefix="bench_stage_")
        self.run_dir = Path(self._tmp.name)
        for sub in (STORE_SUBDIR, REJECTS_SUBDIR):
            if (self.store_dir / sub).exists():
                os.symlink(self.store_dir / sub, self.run_dir / sub)
        return CaseStore.open(self.run_dir)

    def __exit__(self, *exc) -> None:
        self._tmp.cleanup()


def _stage(store, name):
    """Stage ``name`` through its hook alone (no artifacts saved), on the store."""
    from workbench import stages

    return stages.get(name).run(store, store.case)


@TASKS.register("intake")
def intake_stage(case_path: str, work_dir: str | None = None) -> dict[str, Any]:
    """Stage 00 on the population inputs: the intake (typed store, jurisdiction mapped) and
    the overview. Inputs are not hashed (in a run the runner hashes them and hands the
    digests on); the small inputs are left out, as in the reference."""
    from benchmarks import reference
    from workbench.stages import StageName
    from workbench.store import build_store

    case = _case(case_path)
    names = list(reference.POPULATION_INPUTS)
    with tempfile.TemporaryDirectory(prefix="bench_intake_", dir=work_dir) as run_dir:
        store = build_store(case, run_dir, names=names, hashes={n: None for n in names})
        result = _stage(store, StageName.INTAKE)
        return {"rows": sum(store.record(n).rows_read for n in names),
                "counts": reference.intake_counts(store, result.view)}


@TASKS.register("ref_intake")
def ref_intake(case_path: str, work_dir: str | None = None) -> dict[str, Any]:
    """The intake's reference: DuckDB COPY of the population inputs, typed (:mod:`benchmarks.reference`)."""
    from benchmarks import reference

    case = _case(case_path)
    with tempfile.TemporaryDirectory(prefix="bench_ref_intake_", dir=work_dir) as out:
        counts = reference.ref_intake(case, out)
    return {"rows": sum(counts[f"{n}.rows_read"] for n in reference.POPULATION_INPUTS), "counts": counts}


#: The stages measured alone on a prepared store, against their references, by key: the
#: stage, how its result becomes counts, the reference (``benchmarks.reference`` function
#: names), and whether the reference writes files (then into the run folder). Registered
#: below as tasks ``stage_<key>`` and ``ref_<key>``.
STAGES_ALONE: dict[str, tuple[str, str, str, bool]] = {
    "quality": ("10_data_quality", "quality_counts", "ref_quality", False),  # default engine: GX on DuckDB
    "timelines": ("20_notice_timelines", "timelines_counts", "ref_timelines", True),
    "irregularities": ("30_irregularities", "irregularities_counts", "ref_irregularities", False),
}


def _stage_task(key: str) -> Callable[..., dict[str, Any]]:
    def task(store_dir: str) -> dict[str, Any]:
        """A stage alone on a prepared store, through its ``run(store, case)`` hook."""
        from benchmarks import reference

        name, counts, _, _ = STAGES_ALONE[key]
        with _OnStore(store_dir) as store:
            result = _stage(store, name)
            return {"rows": _population_rows(store), "findings": len(result.findings),
                    "counts": getattr(reference, counts)(result)}
    return task


def _reference_task(key: str) -> Callable[..., dict[str, Any]]:
    def task(store_dir: str) -> dict[str, Any]:
        """A stage's hand-written DuckDB reference on the same prepared store."""
        from benchmarks import reference

        _, _, ref_name, writes = STAGES_ALONE[key]
        ref = getattr(reference, ref_name)
        with _OnStore(store_dir) as store:
            extra = (store.run_dir / "reference",) if writes else ()
            return {"rows": _population_rows(store), "counts": ref(store, store.case, *extra)}
    return task


for _key in STAGES_ALONE:
    TASKS.register(f"stage_{_key}", _stage_task(_key))
    TASKS.register(f"ref_{_key}", _reference_task(_key))


# --------------------------------------------------------------------------- the naive baseline

@TASKS.register("naive_quality")
def naive_quality(case_path: str) -> dict[str, Any]:
    from benchmarks.baseline import naive_quality as run

    return run(_case(case_path))


@TASKS.register("naive_timelines")
def naive_timelines(case_path: str) -> dict[str, Any]:
    from benchmarks.baseline import naive_timelines as run

    return run(_case(case_path))


@TASKS.register("naive_letters")
def naive_letters(case_path: str) -> dict[str, Any]:
    from benchmarks.baseline import naive_letters as run

    return run(_case(case_path))


@TASKS.register("naive_audit")
def naive_audit(case_path: str) -> dict[str, Any]:
    from benchmarks.baseline import naive_audit as run

    return run(_case(case_path))


# --------------------------------------------------------------------------- harness self-checks

@TASKS.register("allocate")
def allocate(mb: int, hold_s: float = 5.0) -> dict[str, Any]:
    """Hold ``mb`` MB of resident memory for ``hold_s`` seconds (tests the memory cap)."""
    block = bytearray(mb * 2**20)
    for i in range(0, len(block), 4096):  # touch every page: resident, not just reserved
        block[i] = 1
    time.sleep(hold_s)
    return {"rows": 0, "held_mb": len(block) // 2**20}


@TASKS.register("sleep")
def sleep(seconds: float) -> dict[str, Any]:
    """Sleep (tests the timeout)."""
    time.sleep(seconds)
    return {"rows": 0}
