import json

from workbench.cli import main
from tests.irregularities.conftest import FIXTURES


def test_form4_json_one_object_per_transaction(capsys):
    rc = main(["form4", "--json", str(FIXTURES / "equifax_2017" / "form4")])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 0 and len(lines) == 5
    sales = [x for x in lines if x["transaction_code"] == "S"]
    assert sorted(x["transaction_date"] for x in sales) == ["2017-08-01", "2017-08-01", "2017-08-02"]
    assert all(x["plan_10b5_1"] is None for x in sales)


def test_form4_bad_file_named_on_stderr_exit_2(capsys):
    rc = main(["form4", str(FIXTURES / "form4" / "form4_billion_laughs.xml"), str(FIXTURES / "form4" / "form4_plain_sale.xml")])
    out, err = capsys.readouterr()
    assert rc == 2 and "Doe Jane" in out and "form4_billion_laughs.xml" in err and "hostile" in err


def test_links_check(capsys):
    rc = main(["links", "check", "--json", "--official", "equifaxsecurity2017.com,equifax.com",
               "https://securityequifax2017.com", "https://www.equifax.com/personal", "consumer.ftc.gov"])
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 0
    assert [(r["domain"], r["official"], r["severity"]) for r in rows] == [
        ("securityequifax2017.com", False, "critical"), ("www.equifax.com", True, "none"),
        ("consumer.ftc.gov", False, "info")]
    main(["links", "check", "--official", "example.com", "examp1e.com"])
    assert capsys.readouterr().out.startswith("critical")


def test_links_check_says_when_a_domain_may_be_brand_owned(capsys):
    main(["links", "check", "--official", "equifax.com", "https://www.equifax.com.vn/x", "equifacs.com"])
    brand, typo = capsys.readouterr().out.splitlines()
    assert "may be brand-owned, missing from official_domains" in brand
    assert "brand-owned" not in typo and typo.startswith("high")
