"""Lookups in moto's user pools that the offline endpoint needs and moto's API does not give:
the password to build the SRP verifier from, and app client settings moto stores but ignores."""

from __future__ import annotations

from dataclasses import dataclass

from moto.backends import get_backend
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient


@dataclass(frozen=True)
class UserPools:
    account: str
    region: str

    def client(self, client_id: str) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient] | None:
        for pool in get_backend("cognito-idp")[self.account][self.region].user_pools.values():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        return None

    def password(self, client_id: str, username: str) -> tuple[str, str]:
        """The user pool id of an app client and the user's password (moto keeps it in clear,
        where Cognito keeps only the SRP verifier)."""
        found = self.client(client_id)
        if found is None:
            raise LookupError(f"no app client {client_id}")
        pool, _ = found
        return pool.id, str(pool._get_user(username).password)

    def hides_unknown_users(self, client_id: str) -> bool:
        """PreventUserExistenceErrors: unknown users get a challenge, then the same refusal as a
        wrong password (developer guide, "Managing user existence error responses")."""
        found = self.client(client_id)
        return found is not None and (
            found[1].extended_config.get("PreventUserExistenceErrors") == "ENABLED"
        )

    def writable_attributes(self, access_token: str) -> set[str] | None:
        """The write attributes of the app client an access token was issued to. None: the
        token is unknown, or the client sets no list (then every mutable attribute is)."""
        for pool in get_backend("cognito-idp")[self.account][self.region].user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                attributes = pool.clients[client_id].extended_config.get("WriteAttributes")
                return set(attributes) if attributes else None
        return None
