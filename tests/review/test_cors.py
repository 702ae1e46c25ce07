"""The review lists every browser origin the stack answers, and where (review/cors.py)."""

from __future__ import annotations

from review.cors import ECHOED
from review.render import to_markdown
from review.report import Review, StackReview
from tests.review.conftest import review_of
from tests.support.configs import VARIANT_ORIGINS
from tests.support.template import Synth


def test_the_demo_lists_its_one_origin_on_the_bucket_and_both_apis(
    default_review: StackReview, synth: Synth
) -> None:
    [origin] = synth.demo.config.web_origins
    entries = default_review.browser_access
    assert {entry.answers.split(" (")[0] for entry in entries} == {
        "bucket CORS rule",
        "preflights",
        "gateway responses",
    }
    assert all(entry.origins == [origin] for entry in entries)
    assert len({entry.where for entry in entries if entry.answers == "preflights"}) == 2
    markdown = to_markdown(Review([default_review]))
    assert "### Browser origins (CORS)" in markdown and f"`{origin}`" in markdown


def test_several_origins_are_each_listed_and_an_echo_is_named(synth: Synth) -> None:
    review = review_of(synth.variant.template, synth.variant.config.stack_name)
    preflights = [e for e in review.browser_access if e.answers == "preflights"]
    assert all(sorted(e.origins) == sorted(VARIANT_ORIGINS) for e in preflights)
    responses = [e for e in review.browser_access if e.answers.startswith("gateway responses")]
    assert responses and all(e.origins[0].startswith(ECHOED) for e in responses)


def test_a_stack_without_cors_says_so() -> None:
    review = review_of({"Resources": {}})
    assert review.browser_access == []
    assert "None: no bucket or API answers a browser" in to_markdown(Review([review]))
