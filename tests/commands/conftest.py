"""Running commands as an operator would: through `manage.py`'s own entry point, in process
(so they see the test database), with the exit code a script would get."""

import io
from dataclasses import dataclass

import pytest
from django.core.management import ManagementUtility


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def manage(capsys):
    def run(*argv: str, stdin: str | None = None) -> Run:
        utility = ManagementUtility(["manage.py", *argv])
        if stdin is not None:
            import sys

            old, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            utility.execute()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        finally:
            if stdin is not None:
                sys.stdin = old
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
