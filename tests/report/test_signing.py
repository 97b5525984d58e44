"""`workbench keygen` / `sign` / `verify --pubkey`: an in-toto statement of the manifest in a
DSSE envelope, signed with Ed25519; an RFC 3161 request written, a response checked offline;
a regulator package verifiable on its own."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
import stat
from pathlib import Path

import pytest
from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workbench.cli import main
from workbench.manifest import MANIFEST_SCHEMA_VERSION, output_files, write_manifest, write_package_manifest
from workbench.attest import sign_run
from workbench.signing import (ENVELOPE_NAME, PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, TSQ_NAME, TSR_NAME,
                               SigningError, keygen, keyid, load_public_key, pae)
from workbench.verify import verify_run

SIGNER = "Ada Auditor <ada@example.org>"


# --- tiny named fixtures ------------------------------------------------------------------

def _tiny_run(root: Path) -> Path:
    """A completed run folder: two outputs and one regulator package (with its own manifest,
    written first, so the run's manifest hashes it), as report.py and the runner leave it."""
    run = root / "run"
    (run / "regulators" / "US-CA").mkdir(parents=True)
    (run / "findings.json").write_text('{"findings": []}\n')
    (run / "run.log").write_text("log line\n")
    (run / "regulators" / "US-CA" / "findings.json").write_text('{"findings": [], "scope": "US-CA"}\n')
    (run / "regulators" / "US-CA" / "report.html").write_text("<html>US-CA</html>\n")
    write_package_manifest(run / "regulators" / "US-CA", case_id="TINY-1", run_id="r1", package="US-CA",
                           generated_at="2018-03-01T00:00:00Z")
    write_manifest(run, {"schema_version": MANIFEST_SCHEMA_VERSION, "case_id": "TINY-1", "run_id": "r1",
                         "status": "completed", "started_at": "2018-03-01T00:00:00Z",
                         "finished_at": "2018-03-01T00:01:00Z", "inputs": {}, "outputs": output_files(run)})
    return run


@pytest.fixture
def keys(tmp_path):
    return keygen(tmp_path / "keys", "ada")


@pytest.fixture
def signed_run(tmp_path, keys):
    run = _tiny_run(tmp_path)
    sign_run(run, keys[0], signer=SIGNER)
    return run


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2 if at is None else at] ^= 0x01
    path.write_bytes(bytes(data))


def _kinds(result) -> set[str]:
    return {d.kind for d in result.differences}


# --- keys, statement, envelope ------------------------------------------------------------

def test_keygen_makes_an_ed25519_pair_private_0600_and_never_overwrites(tmp_path):
    private, public = keygen(tmp_path, "k")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in private.read_bytes() and b"BEGIN PUBLIC KEY" in public.read_bytes()
    assert len(keyid(load_public_key(public))) == 64
    with pytest.raises(SigningError, match="never overwrites"):
        keygen(tmp_path, "k")


def test_pae_is_the_dsse_v1_encoding():
    assert pae("http://example.com/HelloWorld", b"hello world") == \
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"   # the DSSE spec's own example


def test_the_envelope_holds_an_in_toto_statement_of_every_manifest_file(signed_run, keys):
    env = json.loads((signed_run / ENVELOPE_NAME).read_text())
    assert env["payloadType"] == PAYLOAD_TYPE
    assert env["signatures"][0]["keyid"] == keyid(load_public_key(keys[1]))
    stmt = json.loads(base64.b64decode(env["payload"]))
    assert stmt["_type"] == STATEMENT_TYPE and stmt["predicateType"] == PREDICATE_TYPE
    manifest = json.loads((signed_run / "manifest.json").read_text())
    subjects = {s["name"]: s["digest"]["sha256"] for s in stmt["subject"]}
    assert subjects.pop("manifest.json") == hashlib.sha256((signed_run / "manifest.json").read_bytes()).hexdigest()
    assert subjects == {rel: m["sha256"] for rel, m in manifest["outputs"].items()}
    assert "regulators/US-CA/manifest.json" in subjects, "the package's manifest is covered by the run's"
    p = stmt["predicate"]
    assert (p["run_id"], p["case_id"], p["signer"]) == ("r1", "TINY-1", SIGNER)
    assert dt.datetime.fromisoformat(p["signed_at"].replace("Z", "+00:00")).tzinfo is not None


def test_round_trip_verifies_and_says_who_signed_and_when(signed_run, keys, capsys):
    result = verify_run(signed_run, pubkey=keys[1])
    assert result.ok, result.report()
    assert result.signature["status"] == "verified" and result.signature["signer"] == SIGNER
    assert result.package_signatures["regulators/US-CA"]["status"] == "verified"
    assert main(["verify", str(signed_run), "--pubkey", str(keys[1])]) == 0
    out = capsys.readouterr().out
    assert "signature verified" in out and SIGNER in out and "timestamp not yet obtained" in out


def test_without_a_public_key_hashes_are_checked_and_the_signature_is_said_unverified(signed_run):
    result = verify_run(signed_run)
    assert result.ok and result.signature["status"] == "unverified"
    assert "NOT verified" in result.signature["message"]
    unsigned = _tiny_run(signed_run.parent / "other")
    result = verify_run(unsigned)
    assert result.ok and result.signature["status"] == "unsigned"


def test_a_public_key_given_for_an_unsigned_run_fails(tmp_path, keys):
    result = verify_run(_tiny_run(tmp_path), pubkey=keys[1])
    assert "signature_missing" in _kinds(result)


def test_a_one_byte_change_to_any_file_fails_naming_it(signed_run, keys):
    for rel in ("findings.json", "run.log", "regulators/US-CA/report.html"):
        path = signed_run / rel
        original = path.read_bytes()
        _flip(path)
        result = verify_run(signed_run, pubkey=keys[1])
        path.write_bytes(original)
        assert not result.ok
        assert any(d.kind == "output_changed" and d.path == rel for d in result.differences), result.report()
        assert rel in result.report()


def test_a_file_changed_and_the_manifest_rehashed_fails_on_the_signature_naming_the_file(signed_run, keys):
    (signed_run / "findings.json").write_text('{"findings": ["edited"]}\n')
    manifest = json.loads((signed_run / "manifest.json").read_text())
    manifest["outputs"] = output_files(signed_run)
    for name in (ENVELOPE_NAME, TSQ_NAME):
        manifest["outputs"].pop(name)
    write_manifest(signed_run, manifest)
    result = verify_run(signed_run, pubkey=keys[1])
    assert not _kinds(result) & {"output_changed", "output_extra"}, "the hashes alone now agree"
    assert "signed_manifest_changed" in _kinds(result)
    assert any(d.kind == "signed_subject_changed" and d.path == "findings.json" for d in result.differences)


def test_a_one_byte_change_to_the_manifest_fails(signed_run, keys):
    path = signed_run / "manifest.json"
    text = path.read_text()
    path.write_text(text.replace('"run_id": "r1"', '"run_id": "r2"'))
    result = verify_run(signed_run, pubkey=keys[1])
    assert "signed_manifest_changed" in _kinds(result), result.report()


@pytest.mark.parametrize("where", ["payload", "sig", "keyid", "payloadType"])
def test_a_one_byte_change_to_the_envelope_fails(signed_run, keys, where):
    path = signed_run / ENVELOPE_NAME
    env = json.loads(path.read_text())
    holder = env["signatures"][0] if where in ("sig", "keyid") else env
    value = holder[where]
    i = 10
    holder[where] = value[:i] + ("B" if value[i] != "B" else "C") + value[i + 1:]
    path.write_text(json.dumps(env))
    result = verify_run(signed_run, pubkey=keys[1])
    assert not result.ok and result.signature["status"] in ("invalid", "different_key"), result.report()
    assert any(d.path == ENVELOPE_NAME for d in result.differences)


def test_an_envelope_that_is_not_json_fails_clearly(signed_run, keys):
    _flip(signed_run / ENVELOPE_NAME, at=0)
    result = verify_run(signed_run, pubkey=keys[1])
    assert result.signature["status"] == "invalid" and "not a readable DSSE envelope" in result.signature["message"]


def test_re_signed_by_another_key_is_reported_as_a_different_key(signed_run, keys, tmp_path, capsys):
    mallory_key, mallory_pub = keygen(tmp_path / "mallory", "m")
    sign_run(signed_run, mallory_key, signer=SIGNER)
    result = verify_run(signed_run, pubkey=keys[1])
    assert result.signature["status"] == "different_key"
    other = keyid(load_public_key(mallory_pub))
    assert f"signed by a different key (keyid {other[:16]}" in result.signature["message"]
    assert "signature_other_key" in _kinds(result)
    assert main(["verify", str(signed_run), "--pubkey", str(keys[1])]) == 1
    assert "signed by a different key" in capsys.readouterr().out
    assert verify_run(signed_run, pubkey=mallory_pub).ok


def test_signing_refuses_a_folder_that_does_not_verify(tmp_path, keys):
    run = _tiny_run(tmp_path)
    _flip(run / "findings.json")
    with pytest.raises(SigningError, match="findings.json"):
        sign_run(run, keys[0])
    assert not (run / ENVELOPE_NAME).exists() and not (run / "regulators/US-CA" / ENVELOPE_NAME).exists()


def test_sign_rejects_a_key_that_is_not_ed25519(tmp_path):
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "ec.key").write_bytes(pem)
    with pytest.raises(SigningError, match="not an Ed25519 key"):
        sign_run(_tiny_run(tmp_path), tmp_path / "ec.key")


def test_packages_only_signs_the_packages(tmp_path, keys):
    run = _tiny_run(tmp_path)
    done = sign_run(run, keys[0], packages_only=True)
    assert [d.folder for d in done] == [run / "regulators" / "US-CA"]
    assert not (run / ENVELOPE_NAME).exists()


# --- a package alone ----------------------------------------------------------------------

def test_a_package_copied_alone_verifies_and_its_tampering_is_caught(signed_run, keys, tmp_path, capsys):
    alone = tmp_path / "received" / "US-CA"
    shutil.copytree(signed_run / "regulators" / "US-CA", alone)
    result = verify_run(alone, pubkey=keys[1])
    assert result.ok, result.report()
    assert result.checked_outputs == 2 and result.signature["status"] == "verified"
    assert main(["verify", str(alone), "--pubkey", str(keys[1]), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["verify"]["signature"]["signer"] == SIGNER
    _flip(alone / "report.html")
    result = verify_run(alone, pubkey=keys[1])
    assert [d.path for d in result.differences if d.kind == "output_changed"] == ["report.html"]


def test_a_package_folder_given_to_sign_is_signed_alone(tmp_path, keys):
    run = _tiny_run(tmp_path)
    done = sign_run(run / "regulators" / "US-CA", keys[0])
    assert [d.folder for d in done] == [run / "regulators" / "US-CA"]


# --- RFC 3161 -----------------------------------------------------------------------------

def _tsa() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A throwaway timestamping authority: an EC key and a self-signed certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert


def _tsr(request: bytes, *, imprint: bytes | None = None, status: str = "granted",
         gen_time: dt.datetime = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)) -> bytes:
    """The TimeStampResp a TSA would send for ``request`` (``imprint`` overrides its digest)."""
    key, cert = _tsa()
    req = tsp.TimeStampReq.load(request)
    if status != "granted":
        info = tsp.PKIStatusInfo({"status": status}).dump()  # a refusal carries no token
        return b"\x30" + bytes([len(info)]) + info
    hashed = req["message_imprint"]["hashed_message"].native if imprint is None else imprint
    tst = tsp.TSTInfo({
        "version": 1, "policy": "1.2.3.4.1", "serial_number": 1, "gen_time": gen_time, "nonce": req["nonce"].native,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": hashed},
        "tsa": asn1_x509.GeneralName(name="directory_name",
                                     value=asn1_x509.Name.build({"common_name": "Test TSA"})),
    })
    content = tst.dump()
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(content).digest()]}),
    ])
    signature = key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    a_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {"issuer": a_cert.issuer,
                                                                  "serial_number": a_cert.serial_number}}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "signed_attrs": attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}), "signature": signature,
    })
    signed = cms.SignedData({
        "version": "v3", "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(content)},
        "certificates": [a_cert], "signer_infos": [signer],
    })
    return tsp.TimeStampResp({"status": {"status": "granted"},
                              "time_stamp_token": {"content_type": "signed_data", "content": signed}}).dump()


def test_signing_writes_a_der_timestamp_request_over_the_signature(signed_run):
    req = tsp.TimeStampReq.load((signed_run / TSQ_NAME).read_bytes())
    sig = base64.b64decode(json.loads((signed_run / ENVELOPE_NAME).read_text())["signatures"][0]["sig"])
    assert req["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert req["message_imprint"]["hashed_message"].native == hashlib.sha256(sig).digest()
    assert req["cert_req"].native is True and req["nonce"].native


def test_a_good_timestamp_response_verifies_with_gen_time_and_tsa_name(signed_run, keys, capsys):
    (signed_run / TSR_NAME).write_bytes(_tsr((signed_run / TSQ_NAME).read_bytes()))
    result = verify_run(signed_run, pubkey=keys[1])
    assert result.ok, result.report()
    ts = result.signature["timestamp"]
    assert ts["status"] == "granted" and ts["gen_time"] == "2026-12-02T12:00:00Z" and "Test TSA" in ts["tsa"]
    assert main(["verify", str(signed_run), "--pubkey", str(keys[1])]) == 0
    assert "timestamped at 2026-12-02T12:00:00Z by Common Name: Test TSA" in capsys.readouterr().out


def test_a_timestamp_response_for_other_data_fails(signed_run, keys):
    (signed_run / TSR_NAME).write_bytes(_tsr((signed_run / TSQ_NAME).read_bytes(),
                                             imprint=hashlib.sha256(b"something else").digest()))
    result = verify_run(signed_run, pubkey=keys[1])
    assert not result.ok and "timestamp" in _kinds(result)
    assert "timestamps other data" in result.signature["timestamp"]["message"]


def test_a_timestamp_response_not_granted_or_altered_fails(signed_run, keys):
    request = (signed_run / TSQ_NAME).read_bytes()
    (signed_run / TSR_NAME).write_bytes(_tsr(request, status="rejection"))
    assert "did not grant" in verify_run(signed_run, pubkey=keys[1]).signature["timestamp"]["message"]
    good = _tsr(request)
    tampered = good.replace(b"20261202120000Z", b"20261202110000Z")   # an earlier genTime
    assert tampered != good
    (signed_run / TSR_NAME).write_bytes(tampered)
    result = verify_run(signed_run, pubkey=keys[1])
    assert "timestamp" in _kinds(result), result.report()
    assert "altered" in result.signature["timestamp"]["message"]


def test_re_signing_removes_the_old_timestamp_response(signed_run, keys):
    (signed_run / TSR_NAME).write_bytes(_tsr((signed_run / TSQ_NAME).read_bytes()))
    done = sign_run(signed_run, keys[0], signer=SIGNER)
    assert done[-1].stale_response_removed and not (signed_run / TSR_NAME).exists()


# --- CLI ----------------------------------------------------------------------------------

def test_cli_keygen_sign_verify_json(tmp_path, capsys):
    run = _tiny_run(tmp_path)
    assert main(["keygen", "--out", str(tmp_path / "k"), "--name", "ada", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert main(["sign", str(run), "--key", made["private"], "--signer", SIGNER, "--json"]) == 0
    signed = json.loads(capsys.readouterr().out)
    assert {Path(s["folder"]) for s in signed} == {run, run / "regulators" / "US-CA"}
    assert all(s["keyid"] == made["keyid"] for s in signed)
    assert main(["verify", str(run), "--pubkey", made["public"], "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["verify"]["signature"]["keyid"] == made["keyid"]
    assert doc["verify"]["signature"]["timestamp"]["status"] == "not_obtained"


def test_a_package_manifest_hashes_what_was_rendered_not_a_file_already_there(tmp_path):
    import os
    import time

    folder = tmp_path / "US-CA"
    folder.mkdir()
    (folder / "planted.txt").write_text("was here before rendering\n")
    os.utime(folder / "planted.txt", (time.time() - 3600, time.time() - 3600))
    since = time.time_ns()
    (folder / "findings.json").write_text("{}\n")           # a renderer's file, returned as written
    (folder / "chart.svg").write_text("<svg/>\n")           # one written on the side, found by its time
    write_package_manifest(folder, case_id="C", run_id="r", package="US-CA", generated_at="2018-03-01T00:00:00Z",
                           written=[folder / "findings.json"], since_ns=since)
    assert set(json.loads((folder / "manifest.json").read_text())["outputs"]) == {"findings.json", "chart.svg"}
    result = verify_run(folder)
    assert [(d.kind, d.path) for d in result.differences] == [("output_extra", "planted.txt")]


# --- a real run -----------------------------------------------------------------------------

@pytest.mark.slow
def test_a_real_small_run_signs_and_each_package_verifies_alone(audited_synthetic_case, tmp_path, capsys):
    code, shared, _ = audited_synthetic_case
    assert code == 0
    run = tmp_path / "run"
    shutil.copytree(shared, run, symlinks=True)  # signing writes into the run folder: a copy
    packages = sorted(p.parent.name for p in (run / "regulators").glob("*/manifest.json"))
    assert packages, "a run with findings renders packages, each with its manifest"
    outputs = json.loads((run / "manifest.json").read_text())["outputs"]
    assert all(f"regulators/{code}/manifest.json" in outputs for code in packages), "package manifests are hashed"
    private, public = keygen(tmp_path / "keys", "ada")
    assert main(["sign", str(run), "--key", str(private), "--signer", SIGNER]) == 0
    capsys.readouterr()
    result = verify_run(run, pubkey=public, check_inputs=False)
    assert result.ok, result.report()
    assert set(result.package_signatures) == {f"regulators/{c}" for c in packages}
    assert all(s["status"] == "verified" for s in result.package_signatures.values())
    alone = tmp_path / "received" / packages[0]
    shutil.copytree(run / "regulators" / packages[0], alone)
    assert main(["verify", str(alone), "--pubkey", str(public)]) == 0
    assert "signature verified" in capsys.readouterr().out
    _flip(alone / "report.pdf")
    assert main(["verify", str(alone), "--pubkey", str(public)]) == 1
    assert "output_changed: report.pdf" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command (its `ts -reply` TSA)")
def test_a_response_from_openssl_s_tsa_verifies(signed_run, keys, tmp_path):
    """Interoperability: an RSA TSA made by `openssl ts -reply`, not by our own test builder."""
    import subprocess

    tsa = tmp_path / "tsa"
    tsa.mkdir()
    (tsa / "serial").write_text("01\n")
    (tsa / "tsa.cnf").write_text(f"""[ req ]
distinguished_name = dn
prompt = no
x509_extensions = v3_tsa
[ dn ]
CN = OpenSSL Test TSA
[ v3_tsa ]
basicConstraints = CA:FALSE
extendedKeyUsage = critical,timeStamping
[ tsa ]
default_tsa = t
[ t ]
serial = {tsa}/serial
signer_cert = {tsa}/tsa.crt
signer_key = {tsa}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
ess_cert_id_alg = sha256
""")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True, cwd=tsa)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.crt", "-days", "2",
        "-config", "tsa.cnf")
    run("ts", "-reply", "-config", "tsa.cnf", "-queryfile", str(signed_run / TSQ_NAME), "-out", str(signed_run / TSR_NAME))
    ts = verify_run(signed_run, pubkey=keys[1]).signature["timestamp"]
    assert ts["status"] == "granted" and "OpenSSL Test TSA" in ts["tsa"], ts
