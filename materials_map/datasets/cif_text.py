"""Reading a CIF file's bytes as text: size limit, compression, encodings, line ends.

The bytes may be gzip / bzip2 / xz compressed (read transparently), UTF-8 (with or without
BOM), UTF-16 / UTF-32 with a BOM (or UTF-16 without one), Windows-1252 or Latin-1, with LF,
CRLF or CR line ends. Empty files, binary content, archives and HTML pages are refused with a
:class:`CifRefused` whose text is ``"<kind>: <detail>"``.
"""

from __future__ import annotations

import bz2
import lzma
import os
import re
import zlib
from pathlib import Path

#: largest accepted file, after decompression (bytes)
MAX_BYTES = 64 * 2**20

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
_ARCHIVES = {b"PK\x03\x04": "a zip archive", b"7z\xbc\xaf\x27\x1c": "a 7z archive"}
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with BOM"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
# control characters other than tab, newline, vertical tab, form feed
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


class CifRefused(ValueError):
    """A CIF file (or one of its blocks) cannot be read; ``str(exc)`` is the reason."""


def _decompress(data: bytes, kind: str, max_bytes: int) -> bytes:
    if kind == "gzip":
        dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif kind == "bzip2":
        dec = bz2.BZ2Decompressor()
    else:
        dec = lzma.LZMADecompressor()
    try:
        out = dec.decompress(data, max_bytes + 1)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise CifRefused(f"corrupt {kind} data: {exc}") from None
    if len(out) > max_bytes:
        raise CifRefused(
            f"file too large: {kind} content is over the {max_bytes / 2**20:g} MiB limit"
        )
    if kind == "gzip" and not dec.eof:
        raise CifRefused("corrupt gzip data: the compressed stream is truncated")
    return out


def read_bytes(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> tuple[bytes, list[str]]:
    """The file's bytes (decompressed when gzip / bzip2 / xz), at most ``max_bytes``."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise CifRefused(
            f"file too large: {size / 2**20:.1f} MiB is over the {max_bytes / 2**20:g} MiB limit"
        )
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    notes = []
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            data = _decompress(data, kind, max_bytes)
            notes.append(f"{kind}-compressed")
            break
    for magic, what in _ARCHIVES.items():
        if data.startswith(magic):
            raise CifRefused(f"not a CIF: {what}; unpack it first")
    return data, notes


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when every other byte is NUL (ASCII text in UTF-16)."""
    if len(data) < 4:
        return None
    even, odd = data[0::2], data[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, list[str]]:
    """CIF text from bytes: BOMs honoured, UTF-8 tried before Latin-1, line ends normalised.

    Refuses empty files, binary content and HTML pages with a reason.
    """
    notes: list[str] = []
    if not data.strip():
        raise CifRefused("empty file: no content" if not data else "empty file: only whitespace")
    text = None
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise CifRefused(
                    f"undecodable text: {name} BOM but invalid {name} ({exc})"
                ) from None
            notes.append(f"{name} text")
            break
    if text is None and b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise CifRefused("binary content: NUL bytes, not CIF text")
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise CifRefused("binary content: NUL bytes, not CIF text") from None
        notes.append(f"{codec.upper()} text without BOM")
    if text is None:
        for codec, note in (("utf-8", None), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if note:
                notes.append(f"not UTF-8: read as {note}")
            break
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append("CR/CRLF line ends")
    control = len(_CONTROL.findall(text))
    if "\x00" in text or control > max(2, len(text) // 100):
        raise CifRefused(f"binary content: {control} control characters, not CIF text")
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")) or (
        "<html" in head and not re.search(r"(?m)^\s*data_", text)
    ):
        raise CifRefused("HTML page, not a CIF: the file is a web page (a failed download?)")
    if not re.search(r"(?im)^\s*data_", text):
        raise CifRefused("not a CIF: no data_ block")
    return text, notes
