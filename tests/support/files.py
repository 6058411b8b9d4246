"""Files to upload, made in the test: images (with GPS in their EXIF), documents, archives
and the bad ones (truncated, a zip bomb, a foreign binary)."""

import io
import zipfile

from PIL import ExifTags, Image

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "S",
    ExifTags.GPS.GPSLatitude: (6.0, 12.0, 30.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (106.0, 49.0, 0.0),
}


def image_bytes(width=640, height=480, fmt="PNG", color=(30, 120, 200), **save) -> bytes:
    img = Image.new("RGB", (width, height), color)
    # Something to resample: a diagonal band.
    for i in range(min(width, height)):
        img.putpixel((i, i), (250, 250, 250))
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def png(width=640, height=480) -> bytes:
    return image_bytes(width, height, "PNG")


def jpeg_with_gps(width=400, height=300, orientation=1) -> bytes:
    """A phone photo: camera make, orientation and where it was taken in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    return image_bytes(width, height, "JPEG", exif=exif, comment=b"shot at home")


def animated_gif(width=400, height=300, frames=3) -> bytes:
    # Palette frames: GIF's own mode, so making a big one costs no colour quantizing.
    images = []
    for i in range(frames):
        frame = Image.new("P", (width, height), i % 4)
        frame.putpalette([0, 0, 0, 230, 60, 60, 60, 160, 90, 40, 90, 220])
        images.append(frame)
    out = io.BytesIO()
    images[0].save(
        out, "GIF", save_all=True, append_images=images[1:], duration=120, loop=0, comment=b"x"
    )
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def zip_of(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def odt() -> bytes:
    return zip_of(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"},
        compression=zipfile.ZIP_STORED,
    )


def legacy_doc() -> bytes:
    """An OLE compound file whose directory (sector 1, after the 512-byte header) names a
    WordDocument stream: what Word 97-2003 writes."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    entries = bytearray(512)
    for i, name in enumerate(["Root Entry", "WordDocument"]):
        encoded = (name + "\0").encode("utf-16-le")
        entries[i * 128 : i * 128 + len(encoded)] = encoded
        entries[i * 128 + 64 : i * 128 + 66] = len(encoded).to_bytes(2, "little")
    return bytes(header + entries)


def zip_bomb() -> bytes:
    """Small on disk, 200 MB of zeros once unpacked."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1024 * 1024)
        for _ in range(200):
            member.write(block)
    return out.getvalue()


def truncated_png() -> bytes:
    data = png(800, 600)
    return data[: len(data) // 2]


def windows_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 200


def stored_files(root) -> list[str]:
    """Every file under a `media` directory (the fixture), relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
