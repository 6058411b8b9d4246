"""What an uploaded file is, decided from its bytes alone (PROTOCOL section 6): never from
its name or the client's Content-Type.

Accepted: JPEG, PNG, GIF, WebP, PDF, plain text, CSV, ZIP and Office documents (Word, Excel,
PowerPoint: both the ZIP-based formats and the older OLE ones; OpenDocument). Anything else
raises `UnsupportedType`. ZIP-based files are also checked for zip bombs from their central
directory (nothing is decompressed), and refused with `TooLarge`.
"""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype

from livechat.errors import TooLarge, UnsupportedType, ValidationFailed

HEAD_BYTES = 8192
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# ZIP members that identify the Office Open XML formats.
OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# OLE compound files (legacy Office) by the stream that makes them what they are.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_STREAMS = {
    "WordDocument": ("application/msword", "doc"),
    "Workbook": ("application/vnd.ms-excel", "xls"),
    "Book": ("application/vnd.ms-excel", "xls"),
    "PowerPoint Document": ("application/vnd.ms-powerpoint", "ppt"),
}
# Zip bombs: an archive that claims to expand past these is refused.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_EXPANDED = 1024**3
ZIP_MAX_RATIO = 100  # expanded / stored, once the archive expands past ZIP_RATIO_FROM
ZIP_RATIO_FROM = 8 * 1024**2
# Text: these C0 controls appear in real text files; any other one means binary.
TEXT_CONTROLS = {"\t", "\n", "\r", "\f", "\x1a"}


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # without the dot

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def sniff(file: BinaryIO, size: int) -> FileType:
    """The type of `file` (seekable, `size` bytes), or UnsupportedType / TooLarge."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if head.startswith(OLE_MAGIC):
        return _ole(file)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in IMAGE_TYPES:
        return FileType(mime, IMAGE_TYPES[mime])
    if mime == "application/pdf" and head.startswith(b"%PDF-"):
        return FileType(mime, "pdf")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip(file, size)
    if kind is None:
        text = _text(file)
        if text is not None:
            return text
    raise UnsupportedType(
        "This type of file is not accepted. Send an image (JPEG, PNG, GIF, WebP), a PDF, "
        "a text or CSV file, a ZIP archive or an Office document."
    )


def _zip(file: BinaryIO, size: int) -> FileType:
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                raise TooLarge(f"The archive holds more than {ZIP_MAX_MEMBERS:,} files.")
            expanded = sum(m.file_size for m in members)
            if expanded > ZIP_MAX_EXPANDED or (
                expanded > ZIP_RATIO_FROM and expanded > ZIP_MAX_RATIO * max(size, 1)
            ):
                raise TooLarge("The archive expands to far more than its size (a zip bomb).")
            names = {m.filename for m in members}
            found = _office_in_zip(archive, names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise ValidationFailed.field("file", "The archive is damaged or incomplete.") from None
    finally:
        file.seek(0)
    return found or FileType("application/zip", "zip")


def _office_in_zip(archive: zipfile.ZipFile, names: set[str]) -> FileType | None:
    if "[Content_Types].xml" in names:
        for prefix, (mime, ext) in OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return FileType(mime, ext)
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
        declared = archive.read("mimetype").decode("ascii", "replace").strip()
        if declared in OPENDOCUMENT:
            return FileType(declared, OPENDOCUMENT[declared])
    return None


def _ole(file: BinaryIO) -> FileType:
    """Legacy Office: an OLE compound file whose directory names a Word, Excel or
    PowerPoint stream. Directory entries are 128-byte records aligned to 128 bytes
    (sectors are 512 or 4096 bytes after a 512-byte header), each starting with its name
    in UTF-16LE and the name's byte length (with the terminator) at offset 64."""
    data = file.read()
    file.seek(0)
    for stream, found in OLE_STREAMS.items():
        name = (stream + "\0").encode("utf-16-le")
        at = data.find(name)
        while at != -1:
            if at % 128 == 0 and data[at + 64 : at + 66] == len(name).to_bytes(2, "little"):
                return FileType(*found)
            at = data.find(name, at + 1)
    raise UnsupportedType("This type of file is not accepted (an OLE file that is not Office).")


def _text(file: BinaryIO) -> FileType | None:
    """UTF-8 text (a BOM allowed) without NUL or stray control characters; CSV when its
    first lines split into the same number (2 or more) of fields."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    first = ""
    try:
        while chunk := file.read(64 * 1024):
            text = decoder.decode(chunk)
            if any(c < " " and c not in TEXT_CONTROLS for c in set(text)) or "\x7f" in text:
                return None
            if len(first) < HEAD_BYTES:
                first += text[: HEAD_BYTES - len(first)]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    finally:
        file.seek(0)
    if _looks_like_csv(first):
        return FileType("text/csv", "csv")
    return FileType("text/plain", "txt")


def _looks_like_csv(sample: str) -> bool:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    # The last line of the sample may be cut short.
    whole = lines[:-1] if len(sample) >= HEAD_BYTES and len(lines) > 2 else lines
    try:
        dialect = csv.Sniffer().sniff("\n".join(whole), delimiters=",;\t")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(io.StringIO("\n".join(whole)), dialect)}
    return len(widths) == 1 and widths.pop() >= 2
