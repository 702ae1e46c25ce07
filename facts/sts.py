"""STS's limits on AssumeRoleWithWebIdentity and its session tags.

Parameters: STS API reference, AssumeRoleWithWebIdentity
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html):
RoleSessionName is required, 2 to 64 characters of ``[\\w+=,.@-]``; DurationSeconds ranges from
900 seconds up to the role's maximum session duration (at most 43200); Policy is 1 to 2048
characters of plain text; PolicyArns names up to 10 managed policies.

Session tags: STS API reference, Tag (https://docs.aws.amazon.com/STS/latest/APIReference/API_Tag.html),
and IAM user guide, "Passing session tags in AWS STS"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html: "operations that support
session tags fail" past these, and when "the total packed size of the session policies and session
tags combined is too large")."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

MAX_SESSION_TAGS = 50
TAG_KEY_LENGTH = (1, 128)
TAG_VALUE_LENGTH = (0, 256)
# Key and value characters: [\p{L}\p{Z}\p{N}_.:/=+\-@].
TAG_PUNCTUATION = frozenset("_.:/=+-@")

ROLE_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
DURATION_SECONDS = (900, 43200)
DEFAULT_DURATION_SECONDS = 3600
POLICY_LENGTH = (1, 2048)
MAX_POLICY_ARNS = 10

# The packed size's formula is not published: STS only reports it as a percentage of an
# allowance. Public reports show the allowance reached by a few long tags (six EKS Pod Identity
# tags took 74%, https://github.com/aws/containers-roadmap/issues/2413), long before 50. The
# offline estimate: the UTF-8 bytes of every tag key and value against this many bytes. An
# estimate either way only decides whether credentials are refused, never what they may do
# (docs/offline.md's ledger).
PACKED_TAG_BYTES = 512


def tag_text_ok(text: str, length: tuple[int, int]) -> bool:
    shortest, longest = length
    return shortest <= len(text) <= longest and all(
        c in TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text
    )


def session_tags_ok(tags: Mapping[str, str]) -> bool:
    """Whether STS accepts these session tags (count, lengths and characters)."""
    return len(tags) <= MAX_SESSION_TAGS and all(
        tag_text_ok(key, TAG_KEY_LENGTH) and tag_text_ok(value, TAG_VALUE_LENGTH)
        for key, value in tags.items()
    )


def packed_tags_percent(tags: Mapping[str, str]) -> int:
    """The offline estimate of the tags' packed size, in percent of STS's allowance (over 100:
    refused)."""
    size = sum(len(key.encode()) + len(value.encode()) for key, value in tags.items())
    return math.ceil(100 * size / PACKED_TAG_BYTES)
