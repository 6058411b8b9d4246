"""Let Django, not Twisted, parse upload bodies under daphne.

daphne's request class is Twisted's, which by default parses every multipart POST body
itself with the `email` package before the application sees it: the whole upload read
into memory, and a bare `400 Bad Request` (no JSON, not logged) for a form its parser
cannot handle (django/daphne#447, twisted/twisted#9739). Django parses uploads itself,
streaming them to temporary files, and answers bad ones with our JSON errors; Twisted's
`parsePOSTFormSubmission=False` (Twisted 24.7+) turns its own parsing off. daphne does
not expose the option, so its request class gets it as a default here.
"""

from daphne.http_protocol import WebRequest

_twisted_init = WebRequest.__init__


def _init_without_form_parsing(self, *args, **kwargs):
    kwargs.setdefault("parsePOSTFormSubmission", False)
    _twisted_init(self, *args, **kwargs)


if getattr(WebRequest.__init__, "__name__", "") != _init_without_form_parsing.__name__:
    WebRequest.__init__ = _init_without_form_parsing
