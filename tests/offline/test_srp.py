"""The server side of SRP against pycognito's client side: the password decides."""

from __future__ import annotations

from typing import Any

from pycognito.aws_srp import AWSSRP

from offline.srp import SrpVerifier

POOL = "us-east-1_abcDEF123"
USER_ID = "5a1c0e34-user"
PASSWORD = "Correct-Horse-Battery-9!"


def prove(verifier: SrpVerifier, stored_password: str, typed_password: str) -> dict[str, Any]:
    client = AWSSRP(
        username="u", password=typed_password, pool_id=POOL, client_id="c", client=object()
    )
    challenge = verifier.challenge(
        POOL, USER_ID, stored_password, client.get_auth_params()["SRP_A"]
    )
    parameters = {
        "USER_ID_FOR_SRP": USER_ID,
        "SALT": challenge.salt_hex,
        "SRP_B": format(challenge.big_b, "x"),
        "SECRET_BLOCK": challenge.secret_block,
        "USERNAME": USER_ID,
    }
    answer: dict[str, Any] = client.process_challenge(parameters, {"USERNAME": USER_ID})
    return answer


def verify(verifier: SrpVerifier, answer: dict[str, Any]) -> bool:
    return verifier.verify(
        answer["PASSWORD_CLAIM_SECRET_BLOCK"],
        answer["TIMESTAMP"],
        answer["PASSWORD_CLAIM_SIGNATURE"],
    )


def test_the_right_password_is_proven() -> None:
    verifier = SrpVerifier()

    assert verify(verifier, prove(verifier, PASSWORD, PASSWORD))


def test_a_wrong_password_is_not() -> None:
    verifier = SrpVerifier()

    assert not verify(verifier, prove(verifier, PASSWORD, PASSWORD + "x"))


def test_a_proof_cannot_be_replayed() -> None:
    verifier = SrpVerifier()
    answer = prove(verifier, PASSWORD, PASSWORD)
    verify(verifier, answer)

    assert not verify(verifier, answer)
