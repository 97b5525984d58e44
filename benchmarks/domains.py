"""How well the look-alike link check separates look-alikes from real domains (issue 19).

``python -m benchmarks.domains`` (or ``make bench-links``) measures
:func:`workbench.irregularities.links.score_domain` two ways, offline, and writes the
numbers to ``benchmarks/domains.json`` and the section "Look-alike links (issue 19)" of
``benchmarks/RESULTS.md`` (``make bench`` keeps that section: it renders it from the json):

- **detection**: every permutation dnstwist's fuzzers make of six brands' domains is scored
  against that brand's domain alone; it is *detected* when the check reports it as a
  look-alike (severity critical, high or medium). The dictionary and tld-swap fuzzers use
  dnstwist's own ``english.dict`` and ``common_tlds.dict``; the target (at least 99.5%) is
  on every fuzzer but the dictionary one.
- **false positives**: every real domain of OpenDNS's public top and random lists (19,718)
  is scored against each of the six brands; it is a *false positive* when the check reports
  it as a look-alike of any of them. Domains of the brands themselves are left out of the
  rate and counted apart: a brand's own domain (``google.com``), its name under another
  suffix (``google.de``: reported as *may be brand-owned*), and the brand's service domains
  listed by hand in ``brand_owned.txt`` (``googleapis.com``). Target: at most 0.1%.

The inputs are committed fixtures (``tests/fixtures/irregularities/domains/``, whose
README says where each came from); the tests in
``tests/irregularities/test_links_measured.py`` hold the check to both targets.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from workbench.irregularities.links import BANDS, score_domain

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "irregularities" / "domains"
JSON = HERE / "domains.json"
RESULTS = HERE / "RESULTS.md"
SECTION = "## Look-alike links (issue 19)"
#: The six brands measured (as issue 19 names them; none of the case fixtures has six).
BRANDS: tuple[str, ...] = ("equifax.com", "paypal.com", "google.com", "microsoft.com", "apple.com", "amazon.com")
FLAGGED = frozenset(band for floor, band in BANDS if band != "low")
DETECTION_TARGET, FALSE_POSITIVE_TARGET = 0.995, 0.001
_LABEL = re.compile(r"^[a-z0-9-]{1,63}$")


@dataclass(frozen=True)
class Inputs:
    words: tuple[str, ...]        # dnstwist's english.dict (dictionary fuzzer)
    tlds: tuple[str, ...]         # dnstwist's common_tlds.dict (tld-swap fuzzer)
    real_domains: tuple[str, ...]  # OpenDNS top + random lists
    brand_owned: frozenset[str]   # reviewed service domains of the six brands


def _lines(path: Path) -> list[str]:
    return [s for s in (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines()) if s]


def load_inputs(folder: Path = FIXTURES) -> Inputs:
    """The committed fixtures the measurement reads."""
    return Inputs(words=tuple(sorted({w for w in _lines(folder / "english.dict") if _LABEL.match(w)})),
                  tlds=tuple(sorted(set(_lines(folder / "common_tlds.dict")))),
                  real_domains=tuple(dict.fromkeys(_lines(folder / "opendns_domains.txt"))),
                  brand_owned=frozenset(_lines(folder / "brand_owned.txt")))


def permutations(brand: str, inputs: Inputs, fuzzers: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(fuzzer, domain) for each permutation dnstwist makes of ``brand``, the original left out."""
    import dnstwist

    fuzzer = dnstwist.Fuzzer(brand, dictionary=list(inputs.words), tld_dictionary=list(inputs.tlds))
    fuzzer.generate(fuzzers=list(fuzzers))
    return sorted((d["fuzzer"], d["domain"]) for d in fuzzer.domains if d["fuzzer"] != "*original")


def detection(inputs: Inputs, brands: tuple[str, ...] = BRANDS) -> dict:
    """Per fuzzer and per brand: permutations, how many were flagged, their bands, the misses."""
    by_fuzzer: dict[str, Counter] = {}
    by_brand: dict[str, Counter] = {}
    bands: Counter = Counter()
    misses: list[dict] = []
    for brand in brands:
        for fuzzer, domain in permutations(brand, inputs):
            s = score_domain(domain, [brand])
            hit = s.severity in FLAGGED and not s.well_known
            bands[s.severity] += 1
            for key, table in ((fuzzer, by_fuzzer), (brand, by_brand)):
                table.setdefault(key, Counter()).update(permutations=1, detected=int(hit))
            if not hit:
                misses.append({"brand": brand, "fuzzer": fuzzer, "domain": domain, "unicode": s.unicode,
                               "severity": s.severity, "score": s.score, "reasons": list(s.reasons)})
    total = sum((c for c in by_fuzzer.values()), Counter())
    outside = sum((c for f, c in by_fuzzer.items() if f != "dictionary"), Counter())
    return {"brands": list(brands), "by_fuzzer": {k: dict(v) for k, v in sorted(by_fuzzer.items())},
            "by_brand": {k: dict(v) for k, v in by_brand.items()}, "bands": dict(bands),
            "all": dict(total), "outside_dictionary": dict(outside), "misses": misses}


def false_positives(inputs: Inputs, brands: tuple[str, ...] = BRANDS) -> dict:
    """Real domains reported as look-alikes of a brand, the brands' own domains counted apart."""
    kinds: Counter = Counter()
    bands: Counter = Counter()
    flagged: list[dict] = []
    for domain in inputs.real_domains:
        scores = [score_domain(domain, [b]) for b in brands]
        worst = max(scores, key=lambda s: (s.severity in FLAGGED and not s.well_known, s.score))
        bands[worst.severity] += 1
        if any(s.is_official for s in scores):
            kinds["official"] += 1
        elif any(s.maybe_brand_owned for s in scores):
            kinds["same_name_other_suffix"] += 1
        elif domain in inputs.brand_owned:
            kinds["brand_owned_listed"] += 1
        else:
            kinds["other"] += 1
            if worst.severity in FLAGGED and not worst.well_known:
                flagged.append({"domain": domain, "closest_official": worst.closest_official,
                                "severity": worst.severity, "score": worst.score, "reasons": list(worst.reasons)})
    return {"real_domains": len(inputs.real_domains), "kinds": dict(kinds), "bands": dict(bands),
            "false_positives": len(flagged), "denominator": kinds["other"], "flagged": flagged}


def rate(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def measure(inputs: Inputs | None = None) -> dict:
    """Both measurements, with the package versions and timings they came from."""
    import importlib.metadata as md

    inputs = inputs or load_inputs()
    t0 = time.perf_counter()
    det = detection(inputs)
    t1 = time.perf_counter()
    fp = false_positives(inputs)
    t2 = time.perf_counter()
    versions = {p: md.version(p) for p in ("dnstwist", "tldextract", "idna", "linkify-it-py",
                                           "confusable-homoglyphs", "rapidfuzz")}
    return {"measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "versions": versions,
            "detection": det, "false_positives": fp,
            "seconds": {"detection": round(t1 - t0, 1), "false_positives": round(t2 - t1, 1)}}


def _pct(part: int, whole: int) -> str:
    return f"{100 * rate(part, whole):.2f}% ({part:,} / {whole:,})"


def section(doc: dict) -> str:
    """The RESULTS.md section for one measurement (pure: dict in, text out)."""
    det, fp = doc["detection"], doc["false_positives"]
    out, total = det["outside_dictionary"], det["all"]
    ok_det = rate(out["detected"], out["permutations"]) >= DETECTION_TARGET
    ok_fp = rate(fp["false_positives"], fp["denominator"]) <= FALSE_POSITIVE_TARGET
    v = doc["versions"]
    lines = [SECTION, "",
             f"Written by `python -m benchmarks.domains` (`make bench-links`) on {doc['measured_at']}; "
             f"dnstwist {v['dnstwist']}, tldextract {v['tldextract']}, idna {v['idna']}, "
             f"linkify-it-py {v['linkify-it-py']}, confusable-homoglyphs {v['confusable-homoglyphs']}. "
             "Raw numbers: `benchmarks/domains.json`; method: `benchmarks/domains.py`.", "",
             "| measure | result | target | met |", "|---|---|---|---|",
             f"| dnstwist permutations of {len(det['brands'])} brands detected, every fuzzer but dictionary | "
             f"{_pct(out['detected'], out['permutations'])} | at least 99.5% | {'yes' if ok_det else 'no'} |",
             f"| dnstwist permutations detected, all fuzzers | {_pct(total['detected'], total['permutations'])} | | |",
             f"| real domains (OpenDNS lists) flagged as look-alikes, brands' own left out | "
             f"{_pct(fp['false_positives'], fp['denominator'])} | at most 0.1% | {'yes' if ok_fp else 'no'} |",
             "", f"Brands: {', '.join(det['brands'])}, each permutation scored against its brand alone.", "",
             "| fuzzer | permutations | detected | rate |", "|---|---:|---:|---:|"]
    for name, c in sorted(det["by_fuzzer"].items(), key=lambda kv: -kv[1]["permutations"]):
        lines.append(f"| {name} | {c['permutations']:,} | {c['detected']:,} | {100 * rate(c['detected'], c['permutations']):.2f}% |")
    order = [band for _, band in BANDS] + ["info", "none"]
    lines += ["", "Bands given (each is used): permutations "
              + ", ".join(f"{b} {det['bands'].get(b, 0):,}" for b in order if det["bands"].get(b))
              + "; real domains " + ", ".join(f"{b} {fp['bands'].get(b, 0):,}" for b in order if fp["bands"].get(b)) + "."]
    k = fp["kinds"]
    lines += ["", f"Real domains: {fp['real_domains']:,}; left out of the rate as the brands' own: "
              f"{k.get('official', 0)} official, {k.get('same_name_other_suffix', 0)} with a brand's name under another "
              f"suffix (reported as look-alikes that *may be brand-owned, missing from official_domains*), "
              f"{k.get('brand_owned_listed', 0)} service domains listed in `brand_owned.txt`."]
    if fp["flagged"]:
        lines += ["", "False positives: " + ", ".join(
            f"{f['domain']} ({f['severity']}, {'/'.join(f['reasons'])} of {f['closest_official']})" for f in fp["flagged"]) + "."]
    misses = Counter(m["fuzzer"] for m in det["misses"])
    if misses:
        lines += ["", "Missed permutations by fuzzer: " + ", ".join(f"{f} {n}" for f, n in misses.most_common())
                  + "; examples: " + ", ".join(f"{m['unicode']} ({m['severity']})" for m in det["misses"][:8]) + "."]
    return "\n".join(lines) + "\n"


def upsert_section(results: str, text: str) -> str:
    """``results`` with its look-alike section replaced by ``text``, or ``text`` put before the
    hand-written analysis (or at the end) when it has none."""
    pattern = re.compile(re.escape(SECTION) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(results):
        return pattern.sub(lambda _: text + "\n", results, count=1)
    anchor = results.find("\n## Analysis")
    if anchor == -1:
        return results.rstrip("\n") + "\n\n" + text
    return results[:anchor + 1] + text + "\n" + results[anchor + 1:]


def section_from_json(path: Path = JSON) -> str | None:
    """The section for the last measurement written to ``path``, if any (used by ``make bench``)."""
    return section(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.domains", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", default=str(JSON))
    ap.add_argument("--out", default=str(RESULTS))
    ns = ap.parse_args(argv)
    doc = measure()
    Path(ns.json).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    out = Path(ns.out)
    out.write_text(upsert_section(out.read_text(encoding="utf-8") if out.is_file() else "", section(doc)),
                   encoding="utf-8")
    print(section(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
