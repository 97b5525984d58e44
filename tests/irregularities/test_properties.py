"""Property tests: the parsers never fail with anything but their own error."""

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.irregularities.links import extract_urls, host_of, score_domain
from workbench.form4 import Form4Error, parse_form4
from tests.irregularities.conftest import FIXTURES

PLAIN = (FIXTURES / "form4" / "form4_plain_sale.xml").read_bytes()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.integers(0, len(PLAIN)).map(lambda n: PLAIN[:n]))
def test_form4_parser_gives_rows_or_a_form4_error(data):
    try:
        rows = parse_form4(data, "x.xml")
    except Form4Error as err:
        assert "x.xml" in str(err)
    else:
        assert data.rstrip() == PLAIN.rstrip() and len(rows) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_url_extraction_and_scoring_never_raise(text):
    for url in extract_urls(text):
        host = host_of(url)
        if host:
            s = score_domain(host, ["example-breach-2017.com"])
            assert 0.0 <= s.score <= 1.0
