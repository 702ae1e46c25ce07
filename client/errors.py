"""The one exception type the client raises for problems a person can fix.

Each message names what went wrong and what to do about it, so ``python -m client`` can print
it on one line (exit status 2) instead of a traceback, and a library caller can show it as is.
"""

from __future__ import annotations


class ClientProblem(Exception):
    """A refusal or a setup mistake, explained; ``code`` is the AWS error code when there is one.

    Keeping the AWS code lets a caller (and the e2e tests) tell refusals apart without parsing
    the message.
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
