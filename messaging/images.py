"""Uploaded images, made safe to show: decoded with a decompression-bomb limit, turned
upright, re-encoded without their metadata (EXIF, GPS, XMP, comments), at most
`MAX_SIDE` pixels on the longest side, plus a thumbnail of at most `THUMBNAIL_SIDE`.

Animated GIF and WebP stay animated, within `MAX_ANIMATION_PIXELS` over all frames
(refused as too large beyond it).
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from livechat.errors import TooLarge, ValidationFailed

MAX_SIDE = 2048
THUMBNAIL_SIDE = 320
# Decoding more than this many pixels is refused before any is decoded (a 40-megapixel
# photo is fine; a 1-KiB PNG claiming 100,000 x 100,000 is a decompression bomb).
MAX_PIXELS = 50_000_000
MAX_ANIMATION_PIXELS = 40_000_000
MAX_FRAMES = 500
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
JPEG_QUALITY = 85
WEBP_QUALITY = 85


@dataclass
class CleanImage:
    data: bytes
    width: int
    height: int
    # None when the image is already small enough to be its own thumbnail.
    thumbnail: bytes | None


def clean_image(file, content_type: str) -> CleanImage:
    """Re-encode the image in `file` (already sniffed as `content_type`)."""
    fmt = FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: make every excess an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=[fmt]) as img:
                _check_size(img)
                if getattr(img, "is_animated", False):
                    return _clean_animation(img, fmt)
                return _clean_still(img, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge(f"The image is too large: at most {MAX_PIXELS:,} pixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Truncated or corrupt data: Pillow raises OSError ("image file is truncated") or
        # SyntaxError (broken PNG chunks) while decoding.
        raise ValidationFailed.field("file", "The image is damaged or incomplete.") from None


def _check_size(img: Image.Image) -> None:
    width, height = img.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise TooLarge(f"The image is too large: at most {MAX_PIXELS:,} pixels.")
    frames = getattr(img, "n_frames", 1)
    if frames > 1 and (frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS):
        raise TooLarge(
            f"The animation is too large: at most {MAX_FRAMES} frames and "
            f"{MAX_ANIMATION_PIXELS:,} pixels over all of them."
        )


def _clean_still(img: Image.Image, fmt: str) -> CleanImage:
    img.load()
    icc = img.info.get("icc_profile")
    mode = img.mode
    # Phones store the camera's orientation in EXIF, which is about to go.
    img = ImageOps.exif_transpose(img)
    img = _without_metadata(img, fmt)
    if img.mode != mode:
        icc = None  # a CMYK profile on RGB pixels would paint them wrong
    if max(img.size) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    data = _encode(img, fmt, icc)
    thumbnail = None
    if max(img.size) > THUMBNAIL_SIDE:
        small = img.copy()
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        thumbnail = _encode(small, fmt, icc)
    return CleanImage(data, img.width, img.height, thumbnail)


def _without_metadata(img: Image.Image, fmt: str) -> Image.Image:
    """A copy holding only pixels (and, for palette images, the transparency)."""
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    elif img.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
        img = img.convert("RGBA")
    clean = img.copy()
    transparency = img.info.get("transparency")
    clean.info = {} if transparency is None else {"transparency": transparency}
    return clean


def _encode(img: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict = {}
    if icc:
        options["icc_profile"] = icc  # colours, not metadata about the picture
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=WEBP_QUALITY)
    elif fmt == "PNG":
        options.update(optimize=False, compress_level=6)
    img.save(out, fmt, **options)
    return out.getvalue()


def _clean_animation(img: Image.Image, fmt: str) -> CleanImage:
    durations = []
    frames = []
    for frame in ImageSequence.Iterator(img):
        durations.append(frame.info.get("duration", 100))
        rgba = frame.convert("RGBA")
        rgba.info = {}  # comments, XMP: the encoder would write them again
        frames.append(rgba)
    loop = img.info.get("loop", 0)
    width, height = frames[0].size
    if max(width, height) > MAX_SIDE:
        frames = [_fit(f, MAX_SIDE) for f in frames]
        width, height = frames[0].size
    data = _encode_animation(frames, fmt, durations, loop)
    thumbnail = None
    if max(width, height) > THUMBNAIL_SIDE:
        thumbnail = _encode_animation(
            [_fit(f, THUMBNAIL_SIDE) for f in frames], fmt, durations, loop
        )
    return CleanImage(data, width, height, thumbnail)


def _fit(frame: Image.Image, side: int) -> Image.Image:
    small = frame.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return small


def _encode_animation(frames: list[Image.Image], fmt: str, durations: list, loop: int) -> bytes:
    out = io.BytesIO()
    options: dict = {"save_all": True, "append_images": frames[1:], "duration": durations}
    options["loop"] = loop
    if fmt == "GIF":
        # Every frame is whole (composited while decoding): clear before drawing the next.
        options["disposal"] = 2
    elif fmt == "WEBP":
        options["quality"] = WEBP_QUALITY
    frames[0].save(out, fmt, **options)
    return out.getvalue()
