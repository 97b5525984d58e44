"""The data contracts in code: each input's typed columns, and how a raw frame is typed by them.

:data:`SCHEMAS` holds the columns of every input of docs/data_contracts.md (name, kind,
required, free text that may hold line breaks); :func:`type_frame` is the one typing path
(every value through the parser of its kind in :mod:`workbench.values`), which every
reader's raw text goes through: CSV and Parquet files (:mod:`workbench.sources`), database
tables (:mod:`workbench.sql`), Form 4 filings (:mod:`workbench.form4`). The shapes reading
reports in are here too: :class:`InputStats` (``rows_read == rows_accepted +
rows_rejected``) and the rejects table (:data:`REJECT_COLUMNS`).

This module imports no reader, so that every reader can import it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench import values

REJECT_COLUMNS = ["input", "file", "row", "field", "reason", "raw"]


# --------------------------------------------------------------------------- schemas

@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # str, timestamp, date, int, float, bool
    required: bool = False  # the column must be present in the file
    multiline: bool = False  # free text that may hold line breaks (in a quoted CSV field)


@dataclass(frozen=True)
class InputSchema:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None  # business id used in evidence

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def single_line(self) -> list[str]:
        """Columns whose values never hold a line break."""
        return [c.name for c in self.columns if not c.multiline]

    def subset(self, names: list[str] | None) -> "InputSchema":
        """The schema restricted to ``names`` (all columns when None)."""
        if names is None:
            return self
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise ValueError(f"{self.name}: unknown column(s) {', '.join(unknown)}; known: {', '.join(self.names)}")
        return InputSchema(self.name, tuple(c for c in self.columns if c.name in names), self.key)


def _schema(name: str, key: str | None, spec: str) -> InputSchema:
    """Parse 'col:kind' tokens: a '!' after the kind marks a column that must be present,
    a '~' free text that may hold line breaks."""
    cols = []
    for token in spec.split():
        col, kind = token.split(":")
        cols.append(Column(col, kind.rstrip("!~"), "!" in kind, "~" in kind))
    return InputSchema(name, tuple(cols), key)


#: The typed columns of every input, as in docs/data_contracts.md.
SCHEMAS: dict[str, InputSchema] = {s.name: s for s in [
    _schema("affected_people", "person_id",
            "person_id:str! full_name:str! email:str address_line:str~ city:str region:str! "
            "postal_code:str country:str! data_elements:str data_owner:str"),
    _schema("notices", "notice_id",
            "notice_id:str! person_id:str! channel:str! sent_at:timestamp! recipient_name:str "
            "recipient_address:str~ data_elements_described:str template_id:str links:str status:str!"),
    _schema("regulator_notices", None,
            "jurisdiction:str! recipient_type:str! recipient:str sent_at:timestamp! "
            "residents_reported:int data_owner:str"),
    _schema("insider_trades", None,
            "insider_name:str! insider_title:str is_officer:bool is_director:bool "
            "transaction_date:date! transaction_code:str! shares:float! price:float "
            "acquired_disposed:str! shares_owned_after:float plan_10b5_1:str filing_date:date "
            # optional detail (a Form 4 folder fills them; a CSV may give them): issue 17
            "is_ten_percent_owner:bool insider_cik:str issuer_cik:str security_title:str is_derivative:bool "
            "direct_indirect:str nature_of_ownership:str shares_owned_other_lines:float "
            "exercise_price:float exercise_date:date expiration_date:date underlying_title:str "
            "underlying_shares:float deemed_execution_date:date price_source:str price_low:float "
            "price_high:float plan_adopted:date plan_modified:date is_amendment:bool "
            "date_of_original_submission:date document_id:str transaction_index:int"),
    _schema("communications", "message_id",
            "message_id:str! channel:str! published_at:timestamp! account:str text:str!~"),
    _schema("compensation", None,
            "person:str! title:str award_date:date! kind:str! amount_usd:float! prior_annual_pay_usd:float"),
    _schema("share_prices", None, "date:date! close:float!"),
    _schema("market_index", None, "date:date! close:float!"),
    # one row per letter file (workbench/letter_files.py reads txt, html, pdf, docx)
    _schema("letters", "template_id",
            "template_id:str! file:str! format:str! text:str!~ min_type_pt:float type_sizes:str"),
]}


# --------------------------------------------------------------------------- results

@dataclass
class InputStats:
    name: str
    path: str
    kind: str
    sha256: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    encoding: str = "utf-8"
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected

    def as_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "kind": self.kind, "sha256": self.sha256,
                "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "encoding": self.encoding,
                "ignored_columns": self.ignored_columns}


#: The dtypes of a rejects table, whichever reader or check made it.
REJECT_DTYPES = {c: "Int64" if c == "row" else "str" for c in REJECT_COLUMNS}


@functools.cache
def _no_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in REJECT_DTYPES.items()})


def empty_rejects() -> pd.DataFrame:
    return _no_rejects().copy()  # a copy: building the frame costs more than copying it


# --------------------------------------------------------------------------- typing

#: Column kind -> parser (:mod:`workbench.values`, the one parser of each kind).
CONVERTERS = values.CONVERTERS
_EXPECTED = values.EXPECTED
#: How much of a bad value a reject reason shows, and of a rejected row its ``raw``.
SHOWN_CHARS, RAW_CHARS = 60, 500


def _visible(text: pd.Series) -> pd.Series:
    """Text safe to show in a reason: control characters written as escapes."""
    return text.str.replace("\x00", "\\0", regex=False).str.replace("\r", "\\r", regex=False) \
        .str.replace("\n", "\\n", regex=False)


def _missing(n: int) -> pd.Series:
    """A column the input does not have: ``n`` missing values (Arrow-backed: no Python
    object per row), typed by its kind's parser like any other column."""
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.nulls(n, pa.string())))


def type_frame(raw: pd.DataFrame, schema: InputSchema, *, file: str,
               first_row: int | pd.Series, keep_extra: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type a raw chunk by its schema; return (accepted frame, rejects).

    ``first_row`` is the data-row number of the chunk's first row, or a series of row
    numbers aligned with ``raw``. ``keep_extra`` keeps columns beyond the contract as they
    are (the provenance columns of parsed Form 4 filings). A row is rejected when any of
    its contract values is bad; its reason names every bad value, with the parser's
    explanation where it has one.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    rows = (pd.Series(np.arange(n, dtype="int64") + first_row)
            if isinstance(first_row, (int, np.integer)) else pd.Series(first_row).reset_index(drop=True))
    typed = {}
    # the reasons are built only once a value is bad (most chunks hold none)
    bad_rows = np.zeros(n, dtype=bool)
    reasons = first_field = None
    for col in schema.columns:
        if col.name not in raw.columns:
            typed[col.name] = CONVERTERS.get(col.kind)(_missing(n))[0]
            continue
        parsed = CONVERTERS.get(col.kind)(raw[col.name])
        typed[col.name] = parsed.values
        bad = parsed.bad.to_numpy(dtype=bool)
        if bad.any():
            if reasons is None:
                reasons = pd.Series("", index=raw.index, dtype="object")
                first_field = pd.Series(None, index=raw.index, dtype="object")
            bad_rows |= bad
            shown = _visible(raw.loc[bad, col.name].astype("str").fillna("").str.slice(0, SHOWN_CHARS))
            msg = f"{col.name}: expected {_EXPECTED[col.kind]}, got '" + shown + "'"
            if parsed.detail is not None:
                detail = parsed.detail[bad]
                msg = msg + detail.map(lambda d: f" ({d})" if isinstance(d, str) else "")
            sep = np.where(reasons[bad] == "", "", "; ")
            reasons[bad] = reasons[bad] + sep + msg.astype("object")
            first_field[bad & first_field.isna().to_numpy()] = col.name
    frame = pd.DataFrame(typed)
    if keep_extra:
        for col in raw.columns:
            if col not in typed:
                frame[col] = raw[col].to_numpy()
    frame["source_row"] = rows.to_numpy()
    if not bad_rows.any():
        return frame, empty_rejects()
    rejects = pd.DataFrame({
        "input": schema.name, "file": file, "row": rows[bad_rows].to_numpy(),
        "field": first_field[bad_rows].to_numpy(), "reason": reasons[bad_rows].to_numpy(),
        "raw": _joined(raw[bad_rows]).to_numpy(),
    }).astype(REJECT_DTYPES)
    return frame[~bad_rows].reset_index(drop=True), rejects


def _joined(raw: pd.DataFrame) -> pd.Series:
    """The values of each row joined with commas (the ``raw`` of a reject), vectorised."""
    if not len(raw.columns):
        return pd.Series("", index=raw.index, dtype="str")
    parts = [raw[c].astype("str").fillna("") for c in raw.columns]
    out = parts[0]
    for p in parts[1:]:
        out = out + "," + p
    return out.str.slice(0, RAW_CHARS)
