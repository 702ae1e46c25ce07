"""The two pieces of IAM and CloudFormation JSON every reader of it needs."""

from __future__ import annotations

import re
from typing import Any


def as_list(value: Any) -> list[Any]:
    """IAM policies and CloudFormation take one value or a list of them in most places."""
    return value if isinstance(value, list) else [value]


def glob_matches(pattern: str, value: str) -> bool:
    """IAM's wildcards in ``Action``, ``Resource`` and ``StringLike``: ``*`` is any run of
    characters and ``?`` any one; nothing else is special (unlike fnmatch's ``[...]``)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None
