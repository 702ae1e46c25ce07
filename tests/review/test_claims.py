"""Rules-mapping claims by Logins domain, from the one table (facts.cognito)."""

from __future__ import annotations

from review import claims


def test_allowed_claims_by_domain() -> None:
    assert claims.allowed_claims("graph.facebook.com") == frozenset({"iss", "aud", "sub"})
    assert claims.allowed_claims("accounts.google.com") == frozenset(
        {"iss", "aud", "sub", "hd", "email_verified"}
    )
    assert claims.allowed_claims("idp.example.com") is None
