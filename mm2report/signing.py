"""Ed25519 signatures of snapshot manifests, with a key the user holds (``cryptography``).

A manifest lists the sha256 of every file of its snapshot, so signing the manifest's bytes signs
the whole snapshot. The signature sits beside it in ``manifest.sig``::

    {"algorithm": "ed25519", "key": "ed25519:<sha256 of the raw public key>",
     "signature": "<base64 of the 64-byte signature>"}

Keys are the usual files: a private key in PEM (``openssl genpkey -algorithm ed25519``) or
OpenSSH format (``ssh-keygen -t ed25519``), a public key in PEM (``openssl pkey -pubout``) or
OpenSSH format (the ``.pub`` line). An encrypted private key asks for its passphrase on the
terminal.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import ParameterError, SnapshotError

ALGORITHM = "ed25519"
SIGNATURE = "manifest.sig"


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{ALGORITHM}:{hashlib.sha256(raw).hexdigest()}"


def _read_key_file(path: Path, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ParameterError(str(path), [(field, f"cannot read the key file: {exc.strerror}")]) from None


def load_private_key(path: str | os.PathLike, field: str = "--sign-key") -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM or OpenSSH file; bad input names ``field``."""
    data = _read_key_file(Path(path), field)
    loader = (serialization.load_ssh_private_key if b"OPENSSH PRIVATE KEY" in data
              else serialization.load_pem_private_key)
    try:
        try:
            key = loader(data, password=None)
        except TypeError:  # encrypted: ask for the passphrase
            import getpass

            phrase = getpass.getpass(f"passphrase of {path}: ").encode()
            key = loader(data, password=phrase)
    except (ValueError, TypeError) as exc:
        raise ParameterError(str(path), [(field, f"not a readable private key ({exc})")]) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ParameterError(str(path), [(field, f"a {type(key).__name__.removeprefix('_')}, "
                                                 "not an Ed25519 private key")])
    return key


def load_public_key(path: str | os.PathLike, field: str = "source.verify_key") -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM or OpenSSH (``.pub``) file."""
    data = _read_key_file(Path(path), field)
    try:
        if data.lstrip().startswith(b"ssh-"):
            key = serialization.load_ssh_public_key(data.strip())
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, serialization.UnsupportedAlgorithm) as exc:
        raise ParameterError(str(path), [(field, f"not a readable public key ({exc})")]) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ParameterError(str(path), [(field, f"a {type(key).__name__.removeprefix('_')}, "
                                                 "not an Ed25519 public key")])
    return key


def sign(manifest: bytes, key: Ed25519PrivateKey) -> dict:
    """The content of ``manifest.sig`` for these manifest bytes."""
    return {"algorithm": ALGORITHM, "key": fingerprint(key.public_key()),
            "signature": base64.b64encode(key.sign(manifest)).decode("ascii")}


def write_signature(directory: Path, manifest: bytes, key: Ed25519PrivateKey) -> Path:
    """Write ``manifest.sig`` (a new file, complete or absent: written aside, then renamed)."""
    target = Path(directory) / SIGNATURE
    if target.exists():
        raise ParameterError(str(directory), [("--key", f"already signed ({SIGNATURE} exists); a "
                                                        "signature is never overwritten")])
    tmp = target.with_name(f".{SIGNATURE}.partial-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(sign(manifest, key), indent=1) + "\n", encoding="utf-8")
        os.rename(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def read_signature(directory: Path) -> dict | None:
    """``manifest.sig`` as a dict, ``None`` when the snapshot is not signed."""
    path = Path(directory) / SIGNATURE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{directory}: unreadable {SIGNATURE}: {exc}") from None
    if (not isinstance(data, dict) or data.get("algorithm") != ALGORITHM
            or not isinstance(data.get("signature"), str) or not isinstance(data.get("key"), str)):
        raise SnapshotError(f"{directory}: {SIGNATURE} is not an {ALGORITHM} signature")
    return data


def verify(directory: Path, manifest: bytes, key: Ed25519PublicKey) -> str:
    """Check ``manifest.sig`` against ``key``; return the key's fingerprint or raise."""
    data = read_signature(directory)
    if data is None:
        raise SnapshotError(f"{directory}: the snapshot is not signed ({SIGNATURE} missing), and "
                            "source.verify_key asks for a signature")
    try:
        key.verify(base64.b64decode(data["signature"], validate=True), manifest)
    except (InvalidSignature, ValueError):
        signer = data["key"]
        who = ("" if signer == fingerprint(key) else
               f" (it names key {signer}, not {fingerprint(key)})")
        raise SnapshotError(f"{directory}: the signature does not match manifest.json{who}: the "
                            "manifest was changed after signing, or signed with another key"
                            ) from None
    return fingerprint(key)


__all__ = ["SIGNATURE", "fingerprint", "load_private_key", "load_public_key", "read_signature",
           "sign", "verify", "write_signature"]
