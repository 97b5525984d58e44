"""Signing a run's manifest, and checking the signature and its RFC 3161 timestamp.

A manifest's sha256 hashes show that files are unchanged since the manifest was written,
but anyone who edits a file can write a new manifest. ``workbench sign`` ties the manifest
to a key and a time:

* an **in-toto Statement v1** (``_type`` :data:`STATEMENT_TYPE`) whose ``subject`` is the
  manifest itself and every file it lists (``{"name": path, "digest": {"sha256": ...}}``),
  with a predicate of type :data:`PREDICATE_TYPE` (run id, case id, package, signer,
  signed_at UTC, the manifest's sha256);
* in a **DSSE envelope** (payloadType :data:`PAYLOAD_TYPE`), signed with **Ed25519** over
  the DSSE pre-authentication encoding (:func:`pae`); ``keyid`` is the sha256 (hex) of the
  public key's DER SubjectPublicKeyInfo (:func:`keyid`). Written as
  ``manifest.dsse.json`` beside the manifest;
* an **RFC 3161 timestamp request** ``manifest.dsse.tsq`` (DER) over the sha256 of the
  signature, to send to a timestamping authority (TSA) of the auditor's choosing; its
  response, saved as ``manifest.dsse.tsr``, is checked by :func:`check_timestamp`. Nothing
  here goes on the network.

What :func:`check_signature` checks, and what it does not, is in ``docs/signing.md``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from workbench.errors import NotRegularFileError, WorkbenchError
from workbench.manifest import SIGNATURE_FILES, iso, open_regular, utc_now
from workbench.paths import MANIFEST_NAME

log = logging.getLogger("workbench.signing")

ENVELOPE_NAME, TSQ_NAME, TSR_NAME = SIGNATURE_FILES
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://breach-audit-workbench/run-manifest/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"


class SigningError(WorkbenchError):
    """A key that cannot be read or made, or a folder that cannot be signed."""


# --- keys -----------------------------------------------------------------------------

def keygen(out_dir: str | Path, name: str = "workbench") -> tuple[Path, Path]:
    """Make an Ed25519 key pair: ``<out_dir>/<name>.key`` (PKCS#8 PEM, unencrypted, mode
    0600) and ``<out_dir>/<name>.pub`` (SubjectPublicKeyInfo PEM). Never overwrites."""
    if not name or "/" in name or name.startswith("."):
        raise SigningError(f"key name {name!r}: give a plain file name (no '/', not hidden)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / f"{name}.key", out / f"{name}.pub"
    for p in (private, public):
        if os.path.lexists(p):
            raise SigningError(f"{p} exists: keygen never overwrites a key (choose another --name or folder)")
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(private, 0o600)  # whatever the umask
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def _load_key(path: str | Path, what: str, parse: Callable[[bytes], Any], kind: type, not_pem: str):
    """The key in the PEM file ``path``, parsed by ``parse`` and required to be a ``kind``;
    every failure a SigningError naming the file and what was expected."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise SigningError(f"{path}: cannot read the {what} ({err.strerror or type(err).__name__})") from err
    try:
        key = parse(data)
    except (ValueError, TypeError) as err:
        raise SigningError(f"{path}: {not_pem} ({err})") from err
    if not isinstance(key, kind):
        hint = " (make one with workbench keygen)" if what == "private key" else ""
        raise SigningError(f"{path}: a {type(key).__name__}, not an Ed25519 {what.replace('private ', '')}{hint}")
    return key


def load_private_key(path: str | Path) -> ed25519.Ed25519PrivateKey:
    return _load_key(path, "private key", lambda data: serialization.load_pem_private_key(data, password=None),
                     ed25519.Ed25519PrivateKey, "not an unencrypted PEM private key")


def load_public_key(path: str | Path) -> ed25519.Ed25519PublicKey:
    return _load_key(path, "public key", serialization.load_pem_public_key,
                     ed25519.Ed25519PublicKey, "not a PEM public key")


def keyid(public: ed25519.Ed25519PublicKey) -> str:
    """sha256 (hex) of the public key's DER SubjectPublicKeyInfo."""
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


# --- DSSE / in-toto -------------------------------------------------------------------

def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: ``DSSEv1 <len> <type> <len> <payload>``."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def _b64decode(text: Any) -> bytes:
    """Standard or URL-safe base64 (DSSE accepts both), padding optional."""
    if not isinstance(text, str):
        raise ValueError("not a base64 string")
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def statement(manifest: dict[str, Any], manifest_sha256: str, *, signer: str | None,
              signed_at: str) -> dict[str, Any]:
    """The in-toto Statement for a manifest: the manifest and every file it hashes."""
    subject = [{"name": MANIFEST_NAME, "digest": {"sha256": manifest_sha256}}]
    for rel, meta in sorted((manifest.get("outputs") or {}).items()):
        if isinstance(meta, dict) and meta.get("sha256"):
            subject.append({"name": rel, "digest": {"sha256": meta["sha256"]}})
    predicate = {"kind": manifest.get("kind") or "run", "case_id": manifest.get("case_id"),
                 "run_id": manifest.get("run_id"), "package": manifest.get("package"),
                 "signer": signer, "signed_at": signed_at, "manifest_sha256": manifest_sha256}
    return {"_type": STATEMENT_TYPE, "subject": subject, "predicateType": PREDICATE_TYPE, "predicate": predicate}


def timestamp_request(signature: bytes, nonce: int | None = None) -> bytes:
    """An RFC 3161 TimeStampReq (DER) over sha256(signature), asking for the TSA's certificate."""
    from asn1crypto import algos, tsp

    return tsp.TimeStampReq({
        "version": 1,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                            "hashed_message": hashlib.sha256(signature).digest()},
        "nonce": secrets.randbits(63) if nonce is None else nonce,
        "cert_req": True,
    }).dump()


# --- signing ----------------------------------------------------------------------------

@dataclass
class Signed:
    """One folder signed by :func:`sign_folder`."""

    folder: Path
    keyid: str
    signer: str | None
    signed_at: str
    subjects: int
    envelope: Path
    request: Path
    stale_response_removed: bool = False


def _read_bytes(path: Path) -> bytes:
    with open_regular(path) as f:
        return f.read()


def sign_folder(folder: str | Path, key: ed25519.Ed25519PrivateKey, *, signer: str | None = None,
                now: dt.datetime | None = None) -> Signed:
    """Sign one folder's manifest (a run's or a regulator package's) as it is. The folder is
    not checked here: :func:`workbench.attest.sign_run` verifies it first (signing a
    changed folder would vouch for the change)."""
    folder = Path(folder)
    raw = _read_bytes(folder / MANIFEST_NAME)
    manifest = json.loads(raw.decode("utf-8"))
    signed_at = iso(now or utc_now())
    payload = json.dumps(statement(manifest, hashlib.sha256(raw).hexdigest(), signer=signer, signed_at=signed_at),
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    kid = keyid(key.public_key())
    envelope = {"payloadType": PAYLOAD_TYPE, "payload": base64.b64encode(payload).decode("ascii"),
                "signatures": [{"keyid": kid, "sig": base64.b64encode(signature).decode("ascii")}]}
    from workbench.artifacts import atomic_write_text

    atomic_write_text(folder / ENVELOPE_NAME, json.dumps(envelope, indent=2) + "\n")
    tsq = folder / TSQ_NAME
    tmp = tsq.with_name(f".{TSQ_NAME}.tmp")
    tmp.write_bytes(timestamp_request(signature))
    os.replace(tmp, tsq)
    stale = folder / TSR_NAME
    removed = os.path.lexists(stale)
    if removed:  # it timestamps the previous signature
        stale.unlink()
    log.info("signed %s (keyid %s, %d subject(s))", folder, kid[:16], len(json.loads(payload)["subject"]))
    return Signed(folder, kid, signer, signed_at, len(json.loads(payload)["subject"]), folder / ENVELOPE_NAME,
                  tsq, removed)


# --- checking ---------------------------------------------------------------------------

@dataclass
class SignatureCheck:
    """What :func:`check_signature` found for one folder.

    ``status``: ``unsigned``, ``unverified`` (an envelope, no public key given),
    ``verified``, ``different_key``, ``invalid`` (envelope unreadable, signature or
    statement not matching). ``problems`` are (kind, path, expected, actual) tuples that
    :func:`workbench.verify.verify_run` turns into differences."""

    folder: Path
    status: str
    message: str
    keyid: str | None = None
    signer: str | None = None
    signed_at: str | None = None
    subjects: int = 0
    timestamp: dict[str, Any] | None = None
    problems: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "status": self.status, "message": self.message, "keyid": self.keyid,
                "signer": self.signer, "signed_at": self.signed_at, "subjects": self.subjects,
                "timestamp": self.timestamp}


def check_signature(folder: str | Path, pubkey: str | Path | ed25519.Ed25519PublicKey | None = None,
                    *, manifest_raw: bytes | None = None, required: bool | None = None) -> SignatureCheck:
    """Check ``manifest.dsse.json`` of a folder: the Ed25519 signature (with ``pubkey``), the
    statement (its manifest digest against the manifest now there, its subjects against the
    manifest's hashes) and the timestamp response when present. Without ``pubkey`` the
    statement is still checked but the signature is reported as not verified.

    ``required`` (default: a public key was given) makes a missing envelope a problem."""
    folder = Path(folder)
    public = load_public_key(pubkey) if isinstance(pubkey, (str, Path)) else pubkey
    required = public is not None if required is None else required
    path = folder / ENVELOPE_NAME
    if not os.path.lexists(path):
        check = SignatureCheck(folder, "unsigned", f"not signed (no {ENVELOPE_NAME})")
        if required:
            check.problems.append(("signature_missing", ENVELOPE_NAME, "a signed manifest", "no envelope"))
        return check
    try:
        envelope = json.loads(_read_bytes(path).decode("utf-8"))
        payload_type = envelope["payloadType"]
        payload = _b64decode(envelope["payload"])
        sigs = [(s.get("keyid"), _b64decode(s["sig"])) for s in envelope["signatures"]]
        if not sigs:
            raise ValueError("no signatures")
        stmt = json.loads(payload.decode("utf-8"))
        if not isinstance(stmt, dict):
            raise ValueError("the payload is not a JSON object")
    except NotRegularFileError as err:
        return _invalid(folder, f"{ENVELOPE_NAME} is a {err.kind}, not a file")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return _invalid(folder, f"{ENVELOPE_NAME} is not a readable DSSE envelope ({type(err).__name__}: {err})"[:300])
    pred = stmt.get("predicate") if isinstance(stmt.get("predicate"), dict) else {}
    check = SignatureCheck(folder, "unverified", "", keyid=sigs[0][0], signer=pred.get("signer"),
                           signed_at=pred.get("signed_at"),
                           subjects=len(stmt.get("subject") or []) if isinstance(stmt.get("subject"), list) else 0)
    if public is None:
        check.message = (f"signature present but NOT verified (give --pubkey): claims signer {check.signer!r} at "
                         f"{check.signed_at}, keyid {str(check.keyid)[:16]}")
    else:
        mine = keyid(public)
        good = next((k for k, sig in sigs if _ed25519_ok(public, sig, pae(payload_type, payload))), False)
        if good is not False and good == mine:
            check.status, check.keyid = "verified", mine
            check.message = f"signature verified: signed by {check.signer!r} at {check.signed_at} with key {mine[:16]}"
        elif good is not False:
            check.status = "invalid"
            check.message = f"the signature verifies with the key given, but the envelope's keyid was altered ({good})"
            check.problems.append(("signature", ENVELOPE_NAME, mine[:16], f"keyid {str(good)[:16]}"))
        elif all(k != mine for k, _ in sigs):
            check.status = "different_key"
            others = ", ".join(str(k)[:16] for k, _ in sigs)
            check.message = f"signed by a different key (keyid {others}), not the key given ({mine[:16]})"
            check.problems.append(("signature_other_key", ENVELOPE_NAME, mine[:16], others))
        else:
            check.status = "invalid"
            check.message = f"the signature does not verify: {ENVELOPE_NAME} was altered after signing"
            check.problems.append(("signature", ENVELOPE_NAME, "a valid Ed25519 signature", "signature does not verify"))
        if payload_type != PAYLOAD_TYPE and check.status == "verified":
            check.status = "invalid"
            check.problems.append(("signature", ENVELOPE_NAME, PAYLOAD_TYPE, str(payload_type)[:80]))
    _check_statement(folder, stmt, check, manifest_raw)
    if check.problems and check.status in ("verified", "unverified"):
        check.status = "invalid"
    if check.status == "invalid" and not check.message.startswith(("the signature", "the statement")):
        check.message = "the signed statement does not match the folder: " + "; ".join(
            f"{k} {p}" for k, p, *_ in check.problems[:3])
    check.timestamp = check_timestamp(folder, sigs[0][1])
    if check.timestamp["status"] == "failed":
        check.problems += [("timestamp", TSR_NAME, None, p) for p in check.timestamp["problems"]]
    return check


def _invalid(folder: Path, message: str) -> SignatureCheck:
    check = SignatureCheck(folder, "invalid", message)
    check.problems.append(("signature", ENVELOPE_NAME, "a DSSE envelope", message))
    return check


def _ed25519_ok(public: ed25519.Ed25519PublicKey, sig: bytes, data: bytes) -> bool:
    try:
        public.verify(sig, data)
    except InvalidSignature:
        return False
    return True


def _check_statement(folder: Path, stmt: dict[str, Any], check: SignatureCheck, manifest_raw: bytes | None) -> None:
    """The statement's type, its manifest digest against the manifest there, and each
    subject against the manifest's hash of that file (naming the file)."""
    if stmt.get("_type") != STATEMENT_TYPE or stmt.get("predicateType") != PREDICATE_TYPE:
        check.problems.append(("signature", ENVELOPE_NAME, f"{STATEMENT_TYPE} / {PREDICATE_TYPE}",
                               f"{str(stmt.get('_type'))[:60]} / {str(stmt.get('predicateType'))[:60]}"))
        return
    subjects = {s.get("name"): (s.get("digest") or {}).get("sha256") for s in stmt.get("subject") or []
                if isinstance(s, dict)}
    try:
        raw = manifest_raw if manifest_raw is not None else _read_bytes(folder / MANIFEST_NAME)
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return  # verify_run reports the manifest itself
    actual = hashlib.sha256(raw).hexdigest()
    if subjects.get(MANIFEST_NAME) != actual:
        check.problems.append(("signed_manifest_changed", MANIFEST_NAME, str(subjects.get(MANIFEST_NAME))[:12],
                               actual[:12]))
    recorded = {rel: meta.get("sha256") for rel, meta in (manifest.get("outputs") or {}).items()
                if isinstance(meta, dict) and meta.get("sha256")}
    for rel in sorted(set(subjects) - {MANIFEST_NAME} | set(recorded)):
        signed, now = subjects.get(rel), recorded.get(rel)
        if signed != now:
            check.problems.append(("signed_subject_changed", rel, (signed or "not signed")[:12],
                                   (now or "not in the manifest")[:12]))


# --- RFC 3161 -------------------------------------------------------------------------

def check_timestamp(folder: str | Path, signature: bytes) -> dict[str, Any]:
    """Check ``manifest.dsse.tsr`` against the signature it should timestamp.

    Checked: the response parses, its status is granted, its token's message imprint is
    sha256(signature), the nonce matches the request's (when the request is there), the
    token's content digest and the TSA's signature over it, made with the certificate the
    token carries. Not checked: that certificate's chain to a trusted root, its validity
    period, revocation, its extended key usage. Returns ``{"status": "not_obtained" |
    "granted" | "failed", "gen_time", "tsa", "problems", "not_checked"}``."""
    folder = Path(folder)
    out: dict[str, Any] = {"status": "failed", "gen_time": None, "tsa": None, "problems": [],
                           "not_checked": "the TSA certificate's chain of trust, validity period and revocation"}
    if not os.path.lexists(folder / TSR_NAME):
        ready = os.path.lexists(folder / TSQ_NAME)
        return out | {"status": "not_obtained", "not_checked": None,
                      "message": "timestamp not yet obtained" + (f" ({TSQ_NAME} is ready to send to a TSA)" if ready else "")}
    from asn1crypto import core, tsp

    problems: list[str] = out["problems"]
    try:
        data = _read_bytes(folder / TSR_NAME)
        # the status first, parsed alone: a refusal carries no token (asn1crypto requires one)
        status = tsp.PKIStatusInfo.load(core.Sequence.load(data)[0].dump())["status"].native
        if status not in ("granted", "granted_with_mods"):
            problems.append(f"the TSA did not grant the request (status {status})")
            return out | {"message": "timestamp " + problems[-1]}
        resp = tsp.TimeStampResp.load(data)
        signed_data = resp["time_stamp_token"]["content"]
        tst = signed_data["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]
        algo = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        out["gen_time"] = iso(tst["gen_time"].native.astimezone(dt.timezone.utc))
        out["tsa"] = _tsa_name(tst, signed_data)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
        problems.append(f"{TSR_NAME} is not a readable RFC 3161 response ({type(err).__name__})")
        return out | {"message": "timestamp " + problems[-1]}
    if algo != "sha256" or digest != hashlib.sha256(signature).digest():
        problems.append(f"the response timestamps other data (imprint {algo} {digest.hex()[:16]}, expected sha256 "
                        f"{hashlib.sha256(signature).hexdigest()[:16]} of the signature)")
    try:
        if os.path.lexists(folder / TSQ_NAME):
            req = tsp.TimeStampReq.load(_read_bytes(folder / TSQ_NAME))
            if req["nonce"].native is not None and tst["nonce"].native != req["nonce"].native:
                problems.append(f"the response's nonce {tst['nonce'].native} is not the request's")
    except (OSError, ValueError, TypeError, KeyError):
        problems.append(f"{TSQ_NAME} is not a readable RFC 3161 request")
    problems += _token_signature_problems(signed_data)
    if problems:
        return out | {"message": "timestamp does not match: " + "; ".join(problems)}
    return out | {"status": "granted", "message": f"timestamped at {out['gen_time']} by {out['tsa']} (TSA signature "
                                                  "checked with the certificate the token carries; its chain of trust is not)"}


def _tsa_name(tst: Any, signed_data: Any) -> str | None:
    name = tst["tsa"]
    if name.native is not None:
        value = name.chosen
        return value.human_friendly if hasattr(value, "human_friendly") else str(name.native)
    cert = _signer_cert(signed_data)
    return cert.subject.human_friendly if cert is not None else None


def _signer_cert(signed_data: Any) -> Any:
    signer = signed_data["signer_infos"][0]
    choice_name, sid = signer["sid"].name, signer["sid"].chosen
    for choice in signed_data["certificates"] or []:
        cert = choice.chosen
        if getattr(cert, "issuer_serial", None) is None:
            continue
        if choice_name == "issuer_and_serial_number":
            if cert.issuer == sid["issuer"] and cert.serial_number == sid["serial_number"].native:
                return cert
        elif cert.key_identifier == sid.native:
            return cert
    return None


def _token_signature_problems(signed_data: Any) -> list[str]:
    """The token's signed attributes' digest of the TSTInfo, and the TSA's signature over
    them with the public key of the certificate the token carries."""
    from cryptography import x509

    try:
        signer = signed_data["signer_infos"][0]
        algo = signer["digest_algorithm"]["algorithm"].native
        hash_cls = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}.get(algo)
        if hash_cls is None:
            return [f"token digest algorithm {algo} not supported"]
        content = signed_data["encap_content_info"]["content"].contents
        attrs = signer["signed_attrs"]
        digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
        h = hashes.Hash(hash_cls())
        h.update(content)
        if digests != [h.finalize()]:
            return ["the token's message digest does not match its TSTInfo (the token was altered)"]
        cert = _signer_cert(signed_data)
        if cert is None:
            return ["the token carries no TSA certificate: its signature cannot be checked (request with cert_req)"]
        public = x509.load_der_x509_certificate(cert.dump()).public_key()
        data = b"\x31" + attrs.dump()[1:]  # signed over the SET OF, not the [0] IMPLICIT tag
        sig = signer["signature"].native
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(sig, data, padding.PKCS1v15(), hash_cls())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(sig, data, ec.ECDSA(hash_cls()))
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(sig, data)
        else:
            return [f"TSA key type {type(public).__name__} not supported"]
    except InvalidSignature:
        return ["the TSA's signature on the token does not verify"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
        return [f"the token's signature cannot be checked ({type(err).__name__})"]
    return []
