"""Principal tags of developer users: normalized and checked as the pre token hook treats a
tagged claim, and as STS accepts a session tag.

Standard library only: the sign-in function checks stored tags with it and the operator tool
(client/developer_users.py) checks them before storing. The function cannot import the hook
(each function folder is its own asset), so the transforms and the wildcard rule are a copy of
``lambdas/pre_token_generation/app.py``'s; tests/lambdas/developer_auth/test_tags.py holds the
copies equal.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping

# STS API reference, AssumeRole ("Tags", type Tag) and the IAM user guide's "Passing session
# tags in AWS STS": at most 50 tags, keys 1-128 and values 0-256 characters of letters, digits,
# spaces and _ . : / = + - @; keys differing only in case are the same key.
MAX_TAGS = 50
KEY_LENGTH = (1, 128)
VALUE_LENGTH = (0, 256)
PUNCTUATION = frozenset("_.:/=+-@")
# The hook refuses these in a tagged claim: in ${aws:PrincipalTag/...} they would act as IAM
# wildcards. STS refuses them too; named here so the refusal says why.
WILDCARDS = frozenset("*?$")

# A copy of the hook's transforms (lambdas/pre_token_generation/app.py, ``transform``).
_SEPARATORS = re.compile(r"[,\s]+")
_STEPS: dict[str, Callable[[str], str]] = {"strip": str.strip, "lower": str.lower}
STEPS = frozenset({*_STEPS, "split"})


class TagError(ValueError):
    """A tag STS or the hook would refuse; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"tag {key!r}: {message}")
        self.key, self.message = key, message


def transform(value: str, steps: tuple[str, ...]) -> str | list[str]:
    """The hook's transforms, step by step; ``split`` makes a list."""
    result: str | list[str] = value
    for step in steps:
        if step == "split":
            text = result if isinstance(result, str) else ",".join(result)
            result = [part for part in _SEPARATORS.split(text) if part]
        elif step in _STEPS:
            function = _STEPS[step]
            result = function(result) if isinstance(result, str) else [function(v) for v in result]
        else:
            raise ValueError(f"unknown transform {step!r}")
    return result


def parse_transforms(text: str) -> dict[str, tuple[str, ...]]:
    """``{"tenant": ["strip", "lower"]}`` (the ``TAG_TRANSFORMS`` the synth writes), checked."""
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("tag transforms are not an object")
    rules: dict[str, tuple[str, ...]] = {}
    for key, steps in raw.items():
        if not isinstance(steps, list) or not set(steps) <= STEPS:
            raise ValueError(f"tag {key!r}: transforms are a list of {sorted(STEPS)}")
        rules[str(key)] = tuple(steps)
    return rules


def _allowed(character: str) -> bool:
    # Letters, digits (any script) and space separators, as STS's \p{L}\p{N}\p{Z} patterns.
    return unicodedata.category(character)[0] in "LNZ" or character in PUNCTUATION


def _check_text(key: str, text: str, what: str, length: tuple[int, int]) -> None:
    low, high = length
    if not low <= len(text) <= high:
        raise TagError(key, f"the {what} has {low} to {high} characters")
    wildcard = sorted(WILDCARDS.intersection(text))
    if wildcard:
        raise TagError(key, f"the {what} holds {''.join(wildcard)}, an IAM policy wildcard")
    if not all(_allowed(c) for c in text):
        raise TagError(key, f"the {what} may hold only letters, digits, spaces and _ . : / = + - @")


def normalize(tags: object, transforms: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """The tags as sign-in passes them: each value through its tag's configured transforms,
    then checked. Raises TagError; never drops or shortens a tag."""
    if not isinstance(tags, Mapping):
        raise TagError("", "principal tags are not a map")
    if len(tags) > MAX_TAGS:
        raise TagError("", f"{len(tags)} tags; a session carries at most {MAX_TAGS}")
    normalized: dict[str, str] = {}
    seen: set[str] = set()
    for key, raw in tags.items():
        if not isinstance(key, str) or not isinstance(raw, str):
            raise TagError(str(key), "keys and values are text")
        _check_text(key, key, "key", KEY_LENGTH)
        if key.lower() in seen:
            raise TagError(key, "another key differs from it only in case")
        seen.add(key.lower())
        value = transform(raw, transforms.get(key, ()))
        if not isinstance(value, str):
            raise TagError(key, "its transforms split it into a list; a tag holds one value")
        _check_text(key, value, "value", VALUE_LENGTH)
        normalized[key] = value
    return normalized
