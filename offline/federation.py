"""Sign-in through a user pool IdP, played offline: "the IdP asserted these attributes".

No SAML or OIDC handshake happens offline (docs/offline.md). ``FederatedSignIn.sign_in`` starts
where Cognito is once it has verified the IdP's answer: it creates or updates the federated user
``<IdP name>_<subject>`` as Cognito does, runs the pool's inbound federation trigger (when the
template has one) on the asserted attributes, writes the IdP's attribute mapping, and issues
tokens through the pre token hook (``offline.tokens``), as at a managed-login sign-in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from moto.backends import get_backend
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from offline.deploy import IdentityProvider
from offline.tokens import (
    FEDERATED_STATUS,
    HOSTED_AUTH,
    TRIGGER_TIMEOUT_SECONDS,
    UnexpectedLambdaException,
    UserLambdaValidationException,
    issuing,
)

TRIGGER_SOURCE = "InboundFederation_ExternalProvider"


@dataclass(frozen=True)
class FederatedTokens:
    username: str
    id_token: str
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class FederatedSignIn:
    account: str
    region: str
    providers: Mapping[tuple[str, str], IdentityProvider]  # (pool id, IdP name) -> IdP
    triggers: Mapping[str, Callable[[dict[str, Any]], Any]]  # pool id -> inbound federation
    clock: Callable[[], float] = field(default=time.monotonic)  # times the trigger

    def sign_in(
        self, provider_name: str, subject: str, asserted: Mapping[str, Any]
    ) -> FederatedTokens:
        """One federated sign-in; ``asserted`` is what the IdP sent (SAML attributes, or the
        OIDC ID token's claims). Raises UserLambdaValidationException when the trigger fails."""
        pool, provider = self._provider(provider_name)
        client_id = self._federated_client(pool, provider_name)
        # Developer guide, "Mapping IdP attributes to profiles and tokens": the username is the
        # IdP's subject prefixed with the IdP's name.
        username = f"{provider_name}_{subject}"
        trigger = self.triggers.get(pool.id)
        mapped = dict(asserted)
        if trigger is not None:
            mapped = self._run_trigger(
                trigger, pool, client_id, username, provider_name, provider, asserted
            )
        user = pool.users.get(username) or self._create(
            pool, username, provider_name, provider, subject
        )
        writable = set(pool.clients[client_id].extended_config.get("WriteAttributes") or [])
        updates = []
        for pool_attribute, idp_attribute in provider.attribute_mapping.items():
            # Developer guide, "Mapping IdP attributes to profiles and tokens": Cognito maps a
            # claim only if it exists in the incoming token; "If a previously mapped claim no
            # longer exists in the incoming token, it won't be deleted or changed".
            if idp_attribute not in mapped:
                continue
            # Same page: the app client must be able to write every mapped attribute, or
            # Cognito reports an error at sign-in.
            if pool_attribute not in writable:
                raise UserLambdaValidationException(
                    f"the federated client cannot write the mapped attribute {pool_attribute}"
                )
            updates.append({"Name": pool_attribute, "Value": _rendered(mapped[idp_attribute])})
        user.update_attributes(updates)
        refresh_token, origin_jti = pool.create_refresh_token(client_id, username)
        # The access token first, as moto's own sign-ins make them (offline.tokens relies on it).
        # A federated sign-in goes through managed login, so the hook sees HostedAuth.
        with issuing(HOSTED_AUTH):
            access_token, _ = pool.create_access_token(client_id, username, origin_jti)
            id_token, _ = pool.create_id_token(client_id, username, origin_jti)
        return FederatedTokens(username, id_token, access_token, refresh_token)

    def _provider(self, provider_name: str) -> tuple[CognitoIdpUserPool, IdentityProvider]:
        pools = get_backend("cognito-idp")[self.account][self.region].user_pools
        for (pool_id, name), provider in self.providers.items():
            if name == provider_name:
                return pools[pool_id], provider
        raise LookupError(f"no user pool IdP named {provider_name}")

    @staticmethod
    def _federated_client(pool: CognitoIdpUserPool, provider_name: str) -> str:
        for client_id, client in pool.clients.items():
            if provider_name in (client.extended_config.get("SupportedIdentityProviders") or []):
                return str(client_id)
        raise LookupError(f"no app client of the pool takes {provider_name}")

    def _run_trigger(
        self,
        trigger: Callable[[dict[str, Any]], Any],
        pool: CognitoIdpUserPool,
        client_id: str,
        username: str,
        provider_name: str,
        provider: IdentityProvider,
        asserted: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Developer guide, "Inbound federation Lambda trigger": the request carries the IdP's
        answer (``samlResponse`` for SAML; ``idToken``, ``userInfo`` and ``tokenResponse`` for
        OIDC); ``userAttributesToMap`` replaces it, omitted attributes dropped, and ``{}`` keeps
        it unchanged. A failing trigger fails the sign-in, and so does one slower than Cognito's
        trigger timeout (``offline.tokens.TRIGGER_TIMEOUT_SECONDS``). Assumed, not documented:
        the answer's keys are the IdP's attribute names, which the IdP's attribute mapping then
        writes (the trigger also answers under the pool's names, so a real pool that reads
        those instead still gets fresh groups)."""
        if provider.type == "SAML":
            attributes: dict[str, Any] = {"samlResponse": dict(asserted)}
        else:
            attributes = {
                "idToken": dict(asserted),
                "userInfo": {},
                "tokenResponse": {"token_type": "Bearer", "expires_in": "3600"},
            }
        event = {
            "version": "1",
            "triggerSource": TRIGGER_SOURCE,
            "region": pool.region,
            "userPoolId": pool.id,
            "userName": username,
            "callerContext": {"awsSdkVersion": "offline", "clientId": client_id},
            "request": {
                "providerName": provider_name,
                "providerType": provider.type,
                "attributes": attributes,
            },
            "response": {"userAttributesToMap": {}},
        }
        started = self.clock()
        try:
            answer = trigger(event)["response"]["userAttributesToMap"]
        except Exception as error:
            raise UserLambdaValidationException(
                f"InboundFederation failed with error {error}."
            ) from error
        if self.clock() - started > TRIGGER_TIMEOUT_SECONDS:
            raise UnexpectedLambdaException("InboundFederation")
        return dict(answer) if answer else dict(asserted)

    @staticmethod
    def _create(
        pool: CognitoIdpUserPool,
        username: str,
        provider_name: str,
        provider: IdentityProvider,
        subject: str,
    ) -> CognitoIdpUser:
        """As Cognito creates a federated user at the first sign-in: status EXTERNAL_PROVIDER,
        and the ``identities`` attribute naming the IdP (developer guide, "Using identity
        providers": what the hook reads to tell SAML and OIDC users apart)."""
        identity = {
            "userId": subject,
            "providerName": provider_name,
            "providerType": provider.type,
            "issuer": None,
            "primary": "true",
            "dateCreated": str(int(time.time() * 1000)),
        }
        attributes = [{"Name": "identities", "Value": json.dumps([identity])}]
        user = CognitoIdpUser(pool.id, username, None, FEDERATED_STATUS, attributes)
        pool.users[username] = user
        return user


def _rendered(value: Any) -> str:
    """A multi-valued IdP attribute as Cognito stores it: ``[a, b]``, each value URL form
    encoded except letters, digits and ``.-*_`` (developer guide, "Mapping IdP attributes to
    profiles and tokens")."""
    if isinstance(value, list):
        return "[" + ", ".join(quote_plus(str(item), safe="*") for item in value) + "]"
    return str(value)
