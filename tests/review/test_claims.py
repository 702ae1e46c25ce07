"""review/claims.py copies infra's provider claim table (review/ may not import infra)."""

from __future__ import annotations

from infra.config import PROVIDER_CLAIMS, SOCIAL_LOGIN_NAMES
from review import claims


def test_claim_table_matches_the_configs() -> None:
    assert claims.PROVIDER_CLAIMS == PROVIDER_CLAIMS


def test_login_domains_match_the_identity_pools() -> None:
    assert {domain: key for key, domain in SOCIAL_LOGIN_NAMES.items()} == claims.LOGIN_DOMAINS


def test_allowed_claims_by_domain() -> None:
    assert claims.allowed_claims("graph.facebook.com") == frozenset({"iss", "aud", "sub"})
    assert claims.allowed_claims("idp.example.com") is None
