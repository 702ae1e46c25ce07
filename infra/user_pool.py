"""The user pool and its one public app client: secure defaults (docs/security.md)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from facts.stack import IDP_GROUPS_ATTRIBUTE, TENANT_ATTRIBUTE
from infra.acknowledgements import acknowledge
from infra.config import (
    READABLE,
    READABLE_CUSTOM,
    WRITABLE,
    FeaturePlan,
    MfaMode,
)

PASSWORD_MIN_LENGTH = 14


class SecureUserPool(Construct):
    """A user pool that signs users in with their e-mail address, and an SRP-only client.

    Always: a 14-character password with every character class, e-mail changed by
    administrators only (it is a claim source) and effective only once verified, token
    revocation on, no user-existence errors. The client reads and writes the attributes listed
    in ``infra/config/user_pool.py`` (``READABLE``, ``WRITABLE``).

    - ``feature_plan``: the Cognito feature plan. Default: ``ESSENTIALS``. ``PLUS`` turns
      threat protection on (enforced).
    - ``mfa``: TOTP offered (``OPTIONAL``) or demanded (``REQUIRED``). Default: ``OPTIONAL``.
    - ``self_sign_up``: whether users may sign themselves up. Default: ``False`` (administrators
      create users).
    - ``deletion_protection``: Default: ``True``.
    - ``removal_policy``: what becomes of the pool when it leaves the stack. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        feature_plan: FeaturePlan = FeaturePlan.ESSENTIALS,
        mfa: MfaMode = MfaMode.OPTIONAL,
        self_sign_up: bool = False,
        deletion_protection: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        plus = feature_plan is FeaturePlan.PLUS
        self.user_pool = cognito.UserPool(
            self,
            "Pool",
            feature_plan=cognito.FeaturePlan[feature_plan.value],
            self_sign_up_enabled=self_sign_up,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            # Written by administrators (tenant) and by Cognito at federated sign-in (IdP groups).
            custom_attributes={
                _custom(TENANT_ATTRIBUTE): cognito.StringAttribute(
                    min_len=1, max_len=64, mutable=True
                ),
                _custom(IDP_GROUPS_ATTRIBUTE): cognito.StringAttribute(max_len=2048, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa[mfa.value],
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None
            ),
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        if mfa is MfaMode.OPTIONAL:
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG2",
                "MFA is optional by configuration (config.mfa = OPTIONAL): every user may "
                "enrol TOTP; set REQUIRED to demand it.",
            )
        if not plus:
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG8",
                f"The Plus feature plan (threat protection) is a cost choice; this pool is on "
                f"{feature_plan.value} by configuration (config.featurePlan). With PLUS, "
                "threat protection is enforced.",
            )
        self.client = self.user_pool.add_client(
            "AppClient",
            generate_secret=False,
            # SRP only: the password never leaves the device. Refresh tokens are always allowed.
            auth_flows=cognito.AuthFlow(user_srp=True),
            disable_o_auth=True,
            enable_token_revocation=True,
            prevent_user_existence_errors=True,
            read_attributes=_attributes(READABLE).with_custom_attributes(
                *map(_custom, READABLE_CUSTOM)
            ),
            write_attributes=_attributes(WRITABLE),
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        )


def _custom(attribute: str) -> str:
    return attribute.removeprefix("custom:")


def _attributes(names: tuple[str, ...]) -> cognito.ClientAttributes:
    return cognito.ClientAttributes().with_standard_attributes(**dict.fromkeys(names, True))
