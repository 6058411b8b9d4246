"""The one definition of clean text input: what every service accepts as a name, a title or
a body (PostgreSQL text cannot hold NUL, so it is refused here rather than failing there)."""

from livechat.errors import ValidationFailed


def clean_text(
    name: str, value, *, max_length: int, allow_blank: bool = False, missing_is_blank: bool = False
) -> str:
    """`value` trimmed, or ValidationFailed naming the field. `missing_is_blank`: None (or
    leaving the field out) means the empty string."""
    if value is None and missing_is_blank:
        return ""
    if value is None:
        raise ValidationFailed.field(name, "This field is required.")
    if not isinstance(value, str):
        raise ValidationFailed.field(name, "Must be a string.")
    value = value.strip()
    if not value and not allow_blank:
        raise ValidationFailed.field(name, "This field may not be blank.")
    if len(value) > max_length:
        raise ValidationFailed.field(
            name, f"Ensure this field has no more than {max_length:,} characters."
        )
    if "\x00" in value:
        raise ValidationFailed.field(name, "Null characters are not allowed.")
    return value
