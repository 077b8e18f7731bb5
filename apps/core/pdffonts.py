"""Small CJK fonts for the PDF service: GB 2312 subsets of the installed Noto CJK faces, built once per machine.

The Noto CJK collections are 19–27 MB each (every CJK script, 65,000 glyphs). WeasyPrint copies the whole
file into memory for every font of every document and subsets it from there, and Pango loads it for layout:
a measurable part of each render. The subsets here hold GB 2312 (6,763 hanzi and its symbols), ASCII and the
punctuation blocks: ~4.7 MB each. They are declared as @font-face families (`Doc Serif SC`, `Doc Sans SC`)
that base.css lists *before* the full Noto families, so a rare character outside GB 2312 (a hospital name
with 堃 or 𠮷) still renders, from the full font, by Pango's per-character fallback.

The subsets are built with HarfBuzz's subsetter (the library WeasyPrint itself uses; ~1 s per face) into
VAR_DIR/pdf-fonts, named after the source file's size and mtime so a font upgrade rebuilds them. If anything
is missing (no Noto CJK, no libharfbuzz-subset), no @font-face is declared and documents render with the
system fonts exactly as before. The Noto CJK fonts are under the SIL Open Font License 1.1, which permits
subsetting; the subsets are a local cache, never distributed.
"""
from __future__ import annotations

import ctypes
import logging
import os
import subprocess
import tempfile
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# (CSS family, CSS weight, fontconfig pattern of the installed face: weight 80 = regular, 200 = bold)
FACES = (
    ("Doc Serif SC", 400, "Noto Serif CJK SC:weight=80"),
    ("Doc Serif SC", 700, "Noto Serif CJK SC:weight=200"),
    ("Doc Sans SC", 400, "Noto Sans CJK SC:weight=80"),
    ("Doc Sans SC", 700, "Noto Sans CJK SC:weight=200"),
)
SUBSET_VERSION = 1  # bump when the character set changes

_lock = threading.Lock()
_faces_css: str | None = None


def subset_codepoints() -> set[int]:
    """GB 2312 (both planes: symbols and hanzi), ASCII, Latin-1 punctuation and the CJK/full-width blocks."""
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    points |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2200)) | set(range(0x2460, 0x2500))
    points |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", "") or Path(settings.VAR_DIR) / "pdf-fonts")


def _installed_face(pattern: str) -> tuple[Path, int] | None:
    """File and collection index of an installed face, only if fontconfig finds that very family and weight."""
    family, weight = pattern.split(":weight=")
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{weight}|%{family}", pattern],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, index, found_weight, families = (out.split("|", 3) + ["", "", ""])[:4]
    if family not in families.split(",") or found_weight != weight or not path:
        return None
    return Path(path), int(index or 0)


def _harfbuzz_subset(source: Path, index: int, codepoints: set[int]) -> bytes:
    """Subset one face of a font file with libharfbuzz-subset (plain C calls, no WeasyPrint internals)."""
    hb = ctypes.CDLL("libharfbuzz.so.0")
    hbs = ctypes.CDLL("libharfbuzz-subset.so.0")
    ptr = ctypes.c_void_p
    hb.hb_blob_create_from_file.restype = ptr
    hb.hb_blob_create_from_file.argtypes = [ctypes.c_char_p]
    hb.hb_face_create.restype = ptr
    hb.hb_face_create.argtypes = [ptr, ctypes.c_uint]
    hb.hb_set_add.argtypes = [ptr, ctypes.c_uint32]
    hb.hb_face_reference_blob.restype = ptr
    hb.hb_face_reference_blob.argtypes = [ptr]
    hb.hb_blob_get_data.restype = ctypes.c_void_p
    hb.hb_blob_get_data.argtypes = [ptr, ctypes.POINTER(ctypes.c_uint)]
    hb.hb_blob_destroy.argtypes = [ptr]
    hb.hb_face_destroy.argtypes = [ptr]
    hbs.hb_subset_input_create_or_fail.restype = ptr
    hbs.hb_subset_input_unicode_set.restype = ptr
    hbs.hb_subset_input_unicode_set.argtypes = [ptr]
    hbs.hb_subset_input_destroy.argtypes = [ptr]
    hbs.hb_subset_or_fail.restype = ptr
    hbs.hb_subset_or_fail.argtypes = [ptr, ptr]

    blob = hb.hb_blob_create_from_file(os.fsencode(source))
    face = hb.hb_face_create(blob, index)
    subset_input = hbs.hb_subset_input_create_or_fail()
    try:
        if not subset_input:
            raise RuntimeError("hb_subset_input_create_or_fail")
        unicodes = hbs.hb_subset_input_unicode_set(subset_input)
        for point in sorted(codepoints):
            hb.hb_set_add(unicodes, point)
        subset = hbs.hb_subset_or_fail(face, subset_input)
        if not subset:
            raise RuntimeError(f"HarfBuzz could not subset {source}")
        out_blob = hb.hb_face_reference_blob(subset)
        length = ctypes.c_uint()
        data = hb.hb_blob_get_data(out_blob, ctypes.byref(length))
        content = ctypes.string_at(data, length.value) if data else b""
        hb.hb_blob_destroy(out_blob)
        hb.hb_face_destroy(subset)
    finally:
        if subset_input:
            hbs.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    if len(content) < 1024:
        raise RuntimeError(f"empty subset of {source}")
    return content


def subset_font(pattern: str) -> Path | None:
    """The cached GB 2312 subset of the installed face `pattern`, built on first use; None when unavailable."""
    found = _installed_face(pattern)
    if not found:
        return None
    source, index = found
    stat = source.stat()
    target = font_dir() / f"{source.stem}-{index}-gb2312-v{SUBSET_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.otf"
    if target.is_file():
        return target
    content = _harfbuzz_subset(source, index, subset_codepoints())
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.chmod(tmp, 0o644)  # readable by the web and worker users alike
    os.replace(tmp, target)  # atomic: concurrent workers may build the same file
    return target


def font_face_css() -> str:
    """@font-face rules for the subset families whose every weight could be built ("" otherwise).

    A family is declared with all its weights or not at all: a lone regular face would make Pango
    synthesise bold from it instead of falling back to the real Noto bold.
    """
    global _faces_css
    if _faces_css is not None:
        return _faces_css
    with _lock:
        if _faces_css is None:
            by_family: dict[str, list[str]] = {}
            failed: set[str] = set()
            for family, weight, pattern in FACES:
                try:
                    path = subset_font(pattern)
                except Exception:  # a missing library or font must never break a document
                    logger.warning("PDF font subset of %s failed; using the installed font", pattern, exc_info=True)
                    path = None
                if path is None:
                    failed.add(family)
                    continue
                by_family.setdefault(family, []).append(
                    f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{path.as_uri()}"); }}')
            _faces_css = "\n".join(rule for family, rules in by_family.items() if family not in failed
                                   for rule in rules)
    return _faces_css
