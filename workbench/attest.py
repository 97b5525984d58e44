"""``workbench sign``: verify a run folder (and its regulator packages) against their
manifests, then sign each manifest with :func:`workbench.signing.sign_folder`.

The checks come first, for every folder, and nothing is signed when one of them does not
verify: a signature vouches for the files as they are, so signing a changed folder would
vouch for the change. What is signed and how: :mod:`workbench.signing`, ``docs/signing.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from workbench.manifest import PACKAGE_MANIFEST_KIND, open_regular, utc_now
from workbench.paths import MANIFEST_NAME
from workbench.signing import Signed, SigningError, load_private_key, sign_folder
from workbench.verify import verify_run


def package_folders(run_dir: str | Path) -> list[Path]:
    """The run's regulator package folders that hold their own manifest."""
    base = Path(run_dir) / "regulators"
    return sorted(p.parent for p in base.glob(f"*/{MANIFEST_NAME}")) if base.is_dir() else []


def _manifest_kind(folder: Path) -> str | None:
    try:
        with open_regular(folder / MANIFEST_NAME) as f:
            return json.loads(f.read().decode("utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def _refuse_unverified(folder: Path) -> None:
    check = verify_run(folder, check_inputs=False, check_signature=False)
    if not check.ok:
        raise SigningError(f"{folder}: nothing signed, it does not verify against its manifest: "
                           + "; ".join(map(str, check.differences[:5]))
                           + (f" (and {len(check.differences) - 5} more)" if len(check.differences) > 5 else ""))


def sign_run(run_dir: str | Path, key_path: str | Path, *, signer: str | None = None,
             packages_only: bool = False, now: dt.datetime | None = None) -> list[Signed]:
    """Sign a run's manifest and each regulator package's manifest (only the packages with
    ``packages_only``); a package folder given directly is signed alone. Every folder is
    checked first: nothing is signed when one of them does not verify.

    Raises
    ------
    SigningError
        for a folder without a manifest, a key that is not an Ed25519 private key, or a
        folder that does not verify (the message names its differences).
    """
    run_dir = Path(run_dir)
    if not (run_dir / MANIFEST_NAME).is_file():
        raise SigningError(f"{run_dir}: no {MANIFEST_NAME} (not a run folder or a regulator package)")
    key = load_private_key(key_path)
    if _manifest_kind(run_dir) == PACKAGE_MANIFEST_KIND:
        folders = [run_dir]
    else:
        folders = package_folders(run_dir) + ([] if packages_only else [run_dir])
        if packages_only and not folders:
            raise SigningError(f"{run_dir}: --packages-only, but no regulator package with its own manifest")
    for folder in folders:  # all checked before any is signed
        _refuse_unverified(folder)
    now = now or utc_now()
    return [sign_folder(f, key, signer=signer, now=now) for f in folders]
