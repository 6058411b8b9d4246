"""The REST request body parser."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's, except that JSON nested deeper than Python's decoder can go is a 400, not a 500.

    `json.loads` recurses per nesting level; a 10 KB body of `[[[[…` raised RecursionError
    straight through DRF, on every JSON endpoint, the anonymous widget session included.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
