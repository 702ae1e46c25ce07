"""STS's limits on session tags: STS API reference, Tag
(https://docs.aws.amazon.com/STS/latest/APIReference/API_Tag.html), and IAM user guide, "Pass
session tags in AWS STS" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html:
"operations that support session tags fail" past these)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

MAX_SESSION_TAGS = 50
TAG_KEY_LENGTH = (1, 128)
TAG_VALUE_LENGTH = (0, 256)
# Key and value characters: [\p{L}\p{Z}\p{N}_.:/=+\-@].
TAG_PUNCTUATION = frozenset("_.:/=+-@")


def tag_text_ok(text: str, length: tuple[int, int]) -> bool:
    shortest, longest = length
    return shortest <= len(text) <= longest and all(
        c in TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text
    )


def session_tags_ok(tags: Mapping[str, str]) -> bool:
    """Whether STS accepts these session tags."""
    return len(tags) <= MAX_SESSION_TAGS and all(
        tag_text_ok(key, TAG_KEY_LENGTH) and tag_text_ok(value, TAG_VALUE_LENGTH)
        for key, value in tags.items()
    )
