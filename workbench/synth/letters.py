"""The synthetic case's notice letters: one file per template, with planted content defects.

Each template is a list of blocks (title, headings, paragraphs) written in the format of
its file (``.txt``, ``.html``, ``.docx`` by python-docx, ``.pdf`` by WeasyPrint from the
HTML). The defects are part of the design (:data:`LETTER_DEFECTS`): which requirement of
which jurisdiction's law a template fails, and the letter text that shows it. Whether a
defect is planted in a case depends on who received the template: ``planted`` keeps those
whose jurisdiction has recipients of the template with the exposure the rule concerns.
The letters follow the 2017 law (the synthetic case's timeline).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from workbench.synth import scenario as sc

#: The Massachusetts letter (no nature of the breach, police report and free freeze); its
#: notices are those of Massachusetts residents (email and mail).
TEMPLATE_MA = "EXCB-2017-US-MA-1"
#: Template -> file suffix (one of each letter format).
LETTER_FORMATS: dict[str, str] = {
    sc.TEMPLATE_MAIL: ".docx",
    sc.TEMPLATE_EMAIL: ".html",
    TEMPLATE_MA: ".txt",
    sc.TEMPLATE_LOOKALIKE: ".pdf",
    sc.TEMPLATE_INTL: ".pdf",
}
#: Body type size of the letters that record one (DOCX, HTML, PDF), in points.
BODY_POINTS = 11

_BUREAUS = ("Equifax, P.O. Box 105788, Atlanta, GA 30348, 1-800-685-1111. "
            "Experian, P.O. Box 9554, Allen, TX 75013, 1-888-397-3742. "
            "TransUnion, P.O. Box 2000, Chester, PA 19016, 1-888-909-8872.")
_FREEZE = ("You may place a security freeze on your credit file free of charge by contacting each of the "
           "consumer reporting agencies below; give your full name, address, date of birth and Social "
           "Security number.")
_POLICE = "You have the right to obtain a police report if you are the victim of identity theft."
NATURE_SENTENCE = ("Criminals exploited a website application vulnerability to gain unauthorized access to "
                   "certain files between mid-May and July 2017.")
MA_COUNT_SENTENCE = "This incident affected approximately 1,200 Massachusetts residents."


def _offer(months_text: str) -> str:
    return (f"We are offering {months_text} of complimentary credit monitoring and identity theft protection "
            f"at no cost to you; enroll at {sc.OFFICIAL_LETTER_LINK}.")


def _us_letter(*, skip_heading: str | None = None, offer: str = "12 months", link: str = sc.OFFICIAL_LETTER_LINK):
    blocks = [("title", "Notice of Data Breach"), ("para", f"Dear Customer,"),
              ("heading", "What Happened?"), ("para", NATURE_SENTENCE),
              ("heading", "What Information Was Involved?"),
              ("para", "The files included names, Social Security numbers, birth dates, addresses and, in some "
                       "instances, driver's license numbers."),
              ("heading", "What We Are Doing."),
              ("para", "We engaged a leading cybersecurity firm and notified law enforcement. " + _offer(offer)
               .replace(sc.OFFICIAL_LETTER_LINK, link)),
              ("heading", "What You Can Do."), ("para", _FREEZE), ("para", _POLICE),
              ("para", "Contact the consumer reporting agencies: " + _BUREAUS),
              ("heading", "For More Information."),
              ("para", f"Call our dedicated call center at 1-866-447-7559 or visit {link}.")]
    if skip_heading:
        blocks = [b for b in blocks if not (b[0] == "heading" and b[1] == skip_heading)]
    return blocks


def _ma_letter():
    return [("title", "Important Notice About Your Personal Information"), ("para", "Dear Massachusetts Resident,"),
            ("para", "We are writing to tell you about an incident that may involve your personal information. "
                     + MA_COUNT_SENTENCE),
            ("para", _POLICE), ("para", _FREEZE), ("para", "Consumer reporting agencies: " + _BUREAUS),
            ("para", _offer("12 months")),
            ("para", "Call 1-866-447-7559 with any question.")]


def _intl_letter():
    return [("title", "Notice of a Data Security Incident"), ("para", "Dear Customer,"),
            ("para", "We are writing to inform you of a data security incident that may involve your name and "
                     "date of birth."),
            ("para", f"More information: {sc.OFFICIAL_LETTER_LINK}.")]


#: Template -> its blocks.
TEMPLATES = {
    sc.TEMPLATE_MAIL: _us_letter(skip_heading="What We Are Doing."),
    sc.TEMPLATE_EMAIL: _us_letter(offer="6 months"),
    TEMPLATE_MA: _ma_letter(),
    sc.TEMPLATE_LOOKALIKE: _us_letter(link=sc.LOOKALIKE_LETTER_LINK),
    sc.TEMPLATE_INTL: _intl_letter(),
}


@dataclass(frozen=True)
class LetterDefect:
    """A requirement of ``jurisdiction``'s law that ``template`` fails by design."""

    template: str
    jurisdiction: str
    code: str              # the finding code: letter_content or remediation_offer
    requirement_id: str    # the law data's requirement or minimum id
    judgement: str
    text: str              # the letter text that shows it (or what is absent)
    exposed_any: tuple[str, ...] = ()  # the rule concerns only recipients with one of these exposed
    detail: str = ""


LETTER_DEFECTS: tuple[LetterDefect, ...] = (
    LetterDefect(sc.TEMPLATE_MAIL, "US-CA", "letter_content", "heading_what_we_are_doing", "missing",
                 "What We Are Doing.", detail="the California heading \"What We Are Doing.\" is left out"),
    LetterDefect(sc.TEMPLATE_EMAIL, "US-CA", "remediation_offer", "identity_theft_services", "short",
                 "6 months", ("ssn", "drivers_license", "state_id"),
                 detail="6 months of credit monitoring offered; Cal. Civ. Code § 1798.82(d)(2)(G) asks for 12"),
    LetterDefect(sc.TEMPLATE_EMAIL, "US-CT", "remediation_offer", "identity_theft_prevention", "short",
                 "6 months", ("ssn",),
                 detail="6 months offered; Connecticut required 12 months (PA 15-142) in 2017"),
    LetterDefect(TEMPLATE_MA, "US-MA", "letter_content", "no_number_of_residents", "violated",
                 MA_COUNT_SENTENCE, detail="the Massachusetts letter states the number of residents affected"),
    LetterDefect(sc.TEMPLATE_LOOKALIKE, "US-MA", "letter_content", "no_nature_of_breach", "violated",
                 NATURE_SENTENCE, detail="the US-wide letter, sent to Massachusetts residents, states the nature "
                                         "of the breach"),
)


def planted(recipients: dict[tuple[str, str], set[str]]) -> list[LetterDefect]:
    """The defects planted in a case: ``recipients`` maps (template, jurisdiction) to the
    elements exposed to at least one of its recipients there."""
    out = []
    for d in LETTER_DEFECTS:
        exposed = recipients.get((d.template, d.jurisdiction))
        if exposed is None or (d.exposed_any and not set(d.exposed_any) & exposed):
            continue
        out.append(d)
    return out


# ---------------------------------------------------------------- writers

def _txt(blocks) -> str:
    out = []
    for kind, text in blocks:
        out += [text, ""] if kind != "para" else [text, ""]
    return "\n".join(out)


def _html(blocks) -> str:
    body = []
    for kind, text in blocks:
        tag = {"title": "h1", "heading": "h2"}.get(kind, "p")
        body.append(f"<{tag}>{html.escape(text)}</{tag}>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Notice</title>"
            "<meta name=\"dcterms.created\" content=\"2017-09-07T12:00:00Z\">"
            "<meta name=\"dcterms.modified\" content=\"2017-09-07T12:00:00Z\">"
            f"<style>body {{ font-family: sans-serif; font-size: {BODY_POINTS}pt; }} "
            "h1 { font-size: 16pt; } h2 { font-size: 13pt; }</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _docx(blocks, path: Path) -> None:
    import docx
    from docx.shared import Pt

    doc = docx.Document()
    doc.styles["Normal"].font.size = Pt(BODY_POINTS)
    for kind, text in blocks:
        if kind == "para":
            doc.add_paragraph(text)
        else:
            p = doc.add_heading(text, level=0 if kind == "title" else 1)
            for run in p.runs:
                run.font.size = Pt(16 if kind == "title" else 13)
    import datetime as dt
    import io
    import zipfile

    stamp = dt.datetime(2017, 9, 7, 12, 0, 0)
    doc.core_properties.created = doc.core_properties.modified = stamp
    doc.core_properties.last_printed = stamp
    raw = io.BytesIO()
    doc.save(raw)
    # the same bytes every time: zip entries with a fixed date, in the order python-docx wrote them
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))


def _pdf(blocks, path: Path) -> None:
    import logging

    from weasyprint import HTML

    quiet = [logging.getLogger(n) for n in ("weasyprint", "weasyprint.progress", "fontTools")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.WARNING)
    try:
        HTML(string=_html(blocks)).write_pdf(str(path))
    finally:
        for q, level in zip(quiet, levels):
            q.setLevel(level)


def write_letters(folder: str | Path) -> dict[str, Path]:
    """Write every template's letter into ``folder``; template -> file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    out = {}
    for template, suffix in LETTER_FORMATS.items():
        path = folder / f"{template}{suffix}"
        blocks = TEMPLATES[template]
        if suffix == ".txt":
            path.write_text(_txt(blocks), encoding="utf-8")
        elif suffix == ".html":
            path.write_text(_html(blocks), encoding="utf-8")
        elif suffix == ".docx":
            _docx(blocks, path)
        else:
            _pdf(blocks, path)
        out[template] = path
    return out
