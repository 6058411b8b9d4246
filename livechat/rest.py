"""What every REST view shares beyond DRF: shaping a JSON body into service arguments."""

from livechat.errors import ValidationFailed


def body_fields(request, names: tuple[str, ...]) -> dict:
    """The named fields present in the request's JSON object, unvalidated: the services
    check them, so REST and WebSocket accept and refuse exactly the same input."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object.")
    return {name: data[name] for name in names if name in data}
