"""Static files storage for production that still works before `collectstatic`.

With `collectstatic`, files get hashed names and far-future caching (whitenoise). Without
it (a quick `daphne` start with DJANGO_DEBUG=0), `{% static %}` falls back to the plain
name instead of raising, and whitenoise serves the file from the app finders.
"""

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def url(self, name, force=False):
        try:
            return super().url(name, force)
        except ValueError:  # not collected: serve the unhashed file through the finders
            return FileSystemStorage.url(self, name)
