"""The one upload pipeline of the workflows: check a file by its bytes, store it under a random name.

Why: applications, disputes, screening and training each carried a copy of the same size check, signature
sniffing and hashed write; one copy means one place to change the limits or the storage.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from .errors import ValidationFailed

SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
              (b"\x89PNG", "image/png", ".png"))
DOCUMENTS = ("application/pdf", "image/jpeg", "image/png")
MAX_BYTES = 10 * 1024 * 1024


def detect_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes: PDF, JPEG or PNG; None for anything else."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def _types(allowed: Iterable[str]) -> str:
    return ", ".join(t.split("/")[1].upper() for t in allowed)


def store_upload(upload, folder: str, *, allowed: Iterable[str] = DOCUMENTS, max_bytes: int = MAX_BYTES,
                 detect: Callable[[bytes, str], tuple[str, str] | None] | None = None,
                 types_label: str | None = None) -> dict:
    """Check and write `upload` under PRIVATE_MEDIA_ROOT/<folder>; the model fields of the stored file.

    `detect(head, name)` replaces the PDF/JPEG/PNG sniffing (training's Office files); the content type is
    always taken from the bytes, never from the name.
    """
    allowed = tuple(allowed)
    size = getattr(upload, "size", None)
    if size == 0:
        raise ValidationFailed(_("file: empty."))
    if size is None or size > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise ValidationFailed(_("file: larger than %(n)s MB.") % {"n": mb})
    name = (getattr(upload, "name", "") or "file").replace("/", "_").replace("\\", "_")[-255:]
    upload.seek(0)
    head = upload.read(8)
    detected = detect(head, name) if detect is not None else detect_content_type(head)
    if detected is None or (detect is None and detected[0] not in allowed):
        raise ValidationFailed(_("file: its content is not an accepted type (%(types)s).")
                               % {"types": types_label or _types(allowed)})
    content_type, ext = detected
    target = settings.PRIVATE_MEDIA_ROOT / folder
    target.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + ext
    digest = hashlib.sha256()
    upload.seek(0)
    with open(target / stored, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    return {"stored_name": stored, "original_name": name, "content_type": content_type, "size": size,
            "sha256": digest.hexdigest()}


def stored_path(folder: str, stored_name: str):
    return settings.PRIVATE_MEDIA_ROOT / folder / stored_name


def delete_on_commit(folder: str, stored_name: str) -> None:
    """Remove the file once the row's deletion is committed (a rolled-back delete keeps it)."""
    path = stored_path(folder, stored_name)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
