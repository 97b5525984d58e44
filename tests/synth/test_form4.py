"""The Form 4 files follow the SEC EDGAR ownership-document schema (X0508) element names,
parse safely with defusedxml, and agree with the CSV copy of the trades and with truth.json."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from defusedxml import ElementTree as DET

from workbench.synth import market

from .conftest import defects, read_csv

FIXTURES = Path(__file__).parents[1] / "fixtures" / "synth"

#: Paths every generated Form 4 must carry (EDGAR ownershipDocument, X0508).
REQUIRED = (
    "schemaVersion", "documentType", "periodOfReport",
    "issuer/issuerCik", "issuer/issuerName", "issuer/issuerTradingSymbol",
    "reportingOwner/reportingOwnerId/rptOwnerCik", "reportingOwner/reportingOwnerId/rptOwnerName",
    "reportingOwner/reportingOwnerRelationship/isDirector", "reportingOwner/reportingOwnerRelationship/isOfficer",
    "aff10b5One",
    "nonDerivativeTable/nonDerivativeTransaction/securityTitle/value",
    "nonDerivativeTable/nonDerivativeTransaction/transactionDate/value",
    "nonDerivativeTable/nonDerivativeTransaction/transactionCoding/transactionCode",
    "nonDerivativeTable/nonDerivativeTransaction/transactionAmounts/transactionShares/value",
    "nonDerivativeTable/nonDerivativeTransaction/transactionAmounts/transactionPricePerShare/value",
    "nonDerivativeTable/nonDerivativeTransaction/transactionAmounts/transactionAcquiredDisposedCode/value",
    "nonDerivativeTable/nonDerivativeTransaction/postTransactionAmounts/sharesOwnedFollowingTransaction/value",
    "ownerSignature/signatureName", "ownerSignature/signatureDate",
)


def _parse(path: Path) -> dict:
    root = DET.parse(path).getroot()
    assert root.tag == "ownershipDocument"
    missing = [p for p in REQUIRED if root.find(p) is None]
    assert not missing, f"{path.name}: missing {missing}"
    tx = root.find("nonDerivativeTable/nonDerivativeTransaction")
    coding_notes = [f.get("id") for f in tx.findall("transactionCoding/footnoteId")]
    notes = {f.get("id"): f.text for f in root.findall("footnotes/footnote")}
    return {
        "schema": root.findtext("schemaVersion"), "type": root.findtext("documentType"),
        "cik": root.findtext("issuer/issuerCik"), "ticker": root.findtext("issuer/issuerTradingSymbol"),
        "owner": root.findtext("reportingOwner/reportingOwnerId/rptOwnerName"),
        "title": root.findtext("reportingOwner/reportingOwnerRelationship/officerTitle"),
        "aff10b5One": root.findtext("aff10b5One"),
        "date": tx.findtext("transactionDate/value"), "code": tx.findtext("transactionCoding/transactionCode"),
        "shares": int(tx.findtext("transactionAmounts/transactionShares/value")),
        "price": float(tx.findtext("transactionAmounts/transactionPricePerShare/value")),
        "ad": tx.findtext("transactionAmounts/transactionAcquiredDisposedCode/value"),
        "after": int(tx.findtext("postTransactionAmounts/sharesOwnedFollowingTransaction/value")),
        "plan_note": " ".join(notes[i] for i in coding_notes),
    }


def test_every_form4_parses_and_matches_the_csv(synth_case):
    files = sorted((synth_case / "data" / "form4").glob("*.xml"))
    parsed = pd.DataFrame([_parse(p) for p in files])
    csv = read_csv(synth_case, "insider_trades.csv")
    assert len(parsed) == len(csv) == 12
    assert set(parsed.schema) == {"X0508"} and set(parsed.type) == {"4"}
    assert set(parsed.cik) == {"0000012345"} and set(parsed.ticker) == {"EXCB"}
    assert list(parsed.date) == list(csv.transaction_date)
    assert list(parsed.code) == list(csv.transaction_code)
    assert list(parsed.shares) == list(csv.shares.astype(int))
    assert list(parsed.price) == list(csv.price.astype(float))
    assert list(parsed.ad) == list(csv.acquired_disposed)
    assert list(parsed.after) == list(csv.shares_owned_after.astype(int))
    planned = parsed.aff10b5One == "1"
    assert list(planned) == list(csv.plan_10b5_1 == "true")
    assert parsed.plan_note[planned].str.contains("Rule 10b5-1").all()
    assert not parsed.plan_note[~planned].str.contains("10b5-1").any()


def test_truth_names_the_form4_files_and_owners(synth_case, truth):
    for kind in ("insider_sale_in_window", "insider_sale_in_window_10b5_1", "control_sale_outside_window",
                 "control_purchase_in_window"):
        for d in defects(truth, kind):
            assert len(d["trades"]) == len(d["ids"])
            for t in d["trades"]:
                doc = _parse(synth_case / t["file"])
                assert (doc["owner"], doc["date"], doc["code"], doc["shares"]) == (
                    t["rpt_owner_name"], t["transaction_date"], t["transaction_code"], t["shares"])
                assert f"{t['insider_name']}|{t['transaction_date']}" in d["ids"]


@pytest.mark.parametrize("fixture, kind", [("form4_with_10b5_1_checkbox.xml", "insider_sale_in_window_10b5_1"),
                                           ("form4_sale_in_window.xml", "insider_sale_in_window")])
def test_form4_layout_is_pinned(fixture, kind):
    """Golden files: the parser is written against these; a layout change must be deliberate."""
    rows = market.trade_rows(market.share_prices(2017))
    row = next(r for r in rows if r["kind"] == kind)
    assert market.form4_xml(row) == (FIXTURES / fixture).read_bytes()
    doc = _parse(FIXTURES / fixture)
    assert doc["aff10b5One"] == ("1" if kind.endswith("10b5_1") else "0")
