"""Developer users' principal tags: the hook's rule for tagged claims, STS's for session tags."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facts import sts
from lambdas.developer_auth import tags
from lambdas.pre_token_generation import app as hook

TENANT = {"tenant": ("strip", "lower")}


@given(st.text(max_size=40), st.lists(st.sampled_from(sorted(tags.STEPS)), max_size=4))
def test_transforms_are_the_hooks(value: str, steps: list[str]) -> None:
    # The sign-in function cannot import the hook: this holds its copy equal.
    assert tags.transform(value, tuple(steps)) == hook.transform(value, tuple(steps))


def test_steps_and_wildcards_are_the_hooks() -> None:
    assert {"split", *hook._STEPS} == tags.STEPS
    for character in map(chr, range(0x250)):
        assert (character in tags.WILDCARDS) == bool(hook._WILDCARDS.search(character))


def test_sts_limits_are_a_copy_of_the_facts() -> None:
    # The function cannot import facts (its folder is its own asset): this holds its copy equal.
    assert tags.MAX_TAGS == sts.MAX_SESSION_TAGS
    assert tags.KEY_LENGTH == sts.TAG_KEY_LENGTH
    assert tags.VALUE_LENGTH == sts.TAG_VALUE_LENGTH
    assert tags.PUNCTUATION == sts.TAG_PUNCTUATION


def test_a_tag_is_normalized_like_the_claim_it_stands_for() -> None:
    assert tags.normalize({"tenant": " ACME\n", "Team": "Blue"}, TENANT) == {
        "tenant": "acme",
        "Team": "Blue",  # no claim behind it: no transform
    }


@pytest.mark.parametrize(
    ("stored", "key", "message"),
    [
        ({"tenant": "a*"}, "tenant", "wildcard"),
        ({"tenant": "a?b"}, "tenant", "wildcard"),
        ({"tenant": "${aws:username}"}, "tenant", "wildcard"),
        ({"tenant": "x" * 257}, "tenant", "0 to 256 characters"),
        ({"k" * 129: "v"}, "k" * 129, "1 to 128 characters"),
        ({"": "v"}, "", "1 to 128 characters"),
        ({"tenant": "acme;drop"}, "tenant", "only letters, digits"),
        ({"tenant": "acme\tx"}, "tenant", "only letters, digits"),
        ({"ten#ant": "acme"}, "ten#ant", "only letters, digits"),
        ({"tenant": "acme", "TENANT": "other"}, "TENANT", "only in case"),
        ({"tenant": 7}, "tenant", "text"),
        ({7: "acme"}, "7", "text"),
        ({"tenant": "a b, c"}, "tenant", "a list"),
        ({f"k{n}": "v" for n in range(51)}, "", "at most 50"),
        (["tenant", "acme"], "", "not a map"),
    ],
)
def test_refused_tags_name_the_key(stored: object, key: str, message: str) -> None:
    transforms = {**TENANT, "tenant": ("split",)} if message == "a list" else TENANT
    with pytest.raises(tags.TagError, match=message) as raised:
        tags.normalize(stored, transforms)
    assert raised.value.key == key


def test_what_sts_allows_passes_unchanged() -> None:
    stored = {f"k{n}": "v" for n in range(48)}
    stored.update({"k" * 128: "", "dept": "R+D Ünïcode 42 _.:/=+-@"})
    assert tags.normalize(stored, {}) == stored


def test_transforms_come_as_the_synth_writes_them() -> None:
    assert tags.parse_transforms('{"tenant": ["strip", "lower"]}') == TENANT
    for bad in ('["strip"]', '{"tenant": ["upper"]}', '{"tenant": "lower"}', '{"tenant": ""}'):
        with pytest.raises(ValueError, match=r"transforms|not an object"):
            tags.parse_transforms(bad)


def test_a_tag_may_take_every_transform_the_hook_knows() -> None:
    steps = sorted(tags.STEPS)
    assert tags.parse_transforms(json.dumps({"tenant": steps})) == {"tenant": tuple(steps)}


def test_an_unknown_transform_is_refused_not_skipped() -> None:
    # As the hook refuses it: a step skipped would pass a tag the hook never makes.
    with pytest.raises(ValueError, match="unknown transform"):
        tags.transform("Acme", ("upper",))
    with pytest.raises(ValueError, match="unknown transform"):
        hook.transform("Acme", ("upper",))
