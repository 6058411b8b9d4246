"""`LOG_FORMAT=json`: one JSON object per line, for log collectors (Loki, Elasticsearch…).

A stdlib formatter of a few lines rather than a dependency: the fields are fixed (`time`,
`level`, `logger`, `message`, and `exception` with the traceback when there is one), and
`json.dumps` escapes every newline, so a multi-line message or traceback stays one line.
"""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII escapes: a stray surrogate in a message can never make the line unwritable.
        return json.dumps(entry, default=str)
