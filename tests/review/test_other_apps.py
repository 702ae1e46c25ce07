"""Templates this project did not write: an app on CDK's identity pool L2 construct and an
Amplify Gen 2 auth stack (fixtures modelled on their shapes: nested-stack construct paths,
parameters, ``Fn::Sub``, ``Fn::Join``, ``Fn::GetAtt`` as one string, ``Fn::If``)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from review import risks
from review.__main__ import main
from review.render import to_json, to_markdown
from review.report import Review, StackReview
from tests.review.conftest import FIXTURES, fixture, review_of

AMPLIFY = "amplify-auth.nested"
L2 = "ReportsApp"  # cdk.out names a template by its stack, as the construct paths do
AMPLIFY_PATH = "amplify-notes-dev-sandbox-0a1b2c3d4e/auth/amplifyAuth"


def found(review: StackReview) -> list[tuple[str, str]]:
    return sorted((r.kind, r.where) for r in review.risks)


def test_amplify_group_roles_trusting_any_identity_are_flagged() -> None:
    review = review_of(fixture(AMPLIFY), AMPLIFY)
    pool = f"{AMPLIFY_PATH}/IdentityPool"
    client = f"user pool {AMPLIFY_PATH}/UserPool (client {AMPLIFY_PATH}/UserPoolAppClient)"
    assert found(review) == sorted(
        [
            (risks.GUEST, pool),
            (risks.OPEN_TRUST, f"{AMPLIFY_PATH}/ADMINSGroupRole"),
            (risks.OPEN_TRUST, f"{AMPLIFY_PATH}/EDITORSGroupRole"),
            (risks.TOKEN_CHECK, f"{pool} / {client}"),
            (risks.SELF_SIGN_UP, f"{AMPLIFY_PATH}/UserPool"),
        ]
    )
    # The Fn::Join mapping is the user pool's: groups resolve by token, ties by the default.
    [provider] = review.pools[0].providers
    assert (provider.mapping, provider.ambiguous) == ("Token", "AuthenticatedRole")
    assert [g.group for g in provider.groups] == ["ADMINS", "EDITORS"]


def test_a_mapping_keyed_by_its_provider_name_is_found() -> None:
    """Without IdentityProvider, a RoleMappings key names the provider (CloudFormation)."""
    body = fixture(AMPLIFY)
    resources = body["Resources"]
    [entry] = resources["amplifyAuthIdentityPool3FDE84CC"]["Properties"]["CognitoIdentityProviders"]
    entry.update(ProviderName="cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12", ClientId="c1")
    attachment = resources["amplifyAuthIdentityPoolRoleAttachment045F17C8"]["Properties"]
    [mapping] = attachment["RoleMappings"].values()
    del mapping["IdentityProvider"]
    attachment["RoleMappings"] = {
        "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12:c1": {**mapping, "Type": "Rules"}
    }
    [provider] = review_of(body, AMPLIFY).pools[0].providers
    assert provider.mapping == "Rules"


def test_the_l2_default_roles_pass_and_its_extra_role_is_flagged() -> None:
    review = review_of(fixture(L2), L2)
    [risk] = review.risks
    assert (risk.kind, risk.where) == (risks.OPEN_TRUST, "FinanceRole")
    assert "user pool UserPool (client UserPool/Client), accounts.google.com" in risk.message
    assert review.pools[0].default_role == "IdentityPool/AuthenticatedRole"


def test_python_m_review_reports_both(tmp_path: Path) -> None:
    for name in (AMPLIFY, L2):
        shutil.copy(FIXTURES / f"{name}.template.json", tmp_path)
    assert main(["--outdir", str(tmp_path), "--no-scan"]) == 0
    markdown = (tmp_path / "review.md").read_text()
    assert f"**{risks.OPEN_TRUST}** ({AMPLIFY_PATH}/ADMINSGroupRole)" in markdown
    assert f"**{risks.OPEN_TRUST}** (FinanceRole)" in markdown
    data = json.loads((tmp_path / "review.json").read_text())
    assert sorted(s["stack"] for s in data["stacks"]) == sorted([AMPLIFY, L2])


def conditional(value: Any) -> dict[str, Any]:
    return {"Fn::If": ["IsProd", value, {"Ref": "AWS::NoValue"}]}


def test_shapes_the_review_cannot_resolve_show_readably() -> None:
    body = fixture("base")
    resources = body["Resources"]
    pool = resources["Pool"]["Properties"]
    pool["AllowUnauthenticatedIdentities"] = {"Ref": "GuestAccess"}  # not fixed: read as on
    pool["SupportedLoginProviders"] = conditional({"graph.facebook.com": "1"})
    pool["CognitoIdentityProviders"].append(
        conditional({"ProviderName": {"Fn::ImportValue": "other-pool"}, "ClientId": "c2"})
    )
    resources["EditorsGroup"]["Properties"]["Precedence"] = {"Ref": "Precedence"}
    editors = resources["EditorsRole"]["Properties"]
    editors["AssumeRolePolicyDocument"] = json.dumps(editors["AssumeRolePolicyDocument"])
    statements = editors["Policies"][0]["PolicyDocument"]["Statement"]
    statements.append("not a statement")
    statements.append(
        {
            "Effect": "Allow",
            "Action": {"Fn::GetAtt": ["OnlyOne"]},
            "Resource": {"Fn::Join": [",", {"Ref": "Buckets"}]},
            "Condition": conditional({"StringLike": {"s3:prefix": "a*"}}),
        }
    )
    resources["Unreadable"] = {"Type": "AWS::IAM::Role", "Properties": {"Policies": "?"}}
    resources["NotAResource"] = "?"
    resources["EditorsGroup"]["Properties"]["RoleArn"] = {"Fn::GetAtt": ["NotAResource", "Arn"]}
    resources["NoProperties"] = {"Type": "AWS::Cognito::UserPoolGroup", "Properties": None}
    review = review_of(copy.deepcopy(body))
    text = to_markdown(Review([review]))
    to_json(Review([review]))
    assert '`Fn::GetAtt(["OnlyOne"])` | `Fn::Join([",", "${Buckets}"])`' in text
    assert "(unresolved condition) (not a map of keys) = Fn::If(" in text
    assert 'user pool Fn::ImportValue("other-pool") (client c2)' in text
    assert "| editors | none |" in text
    # The group names no role the review can find, so EditorsRole is no mapping's: its trust
    # of the user pool's identities is reachable only through STS.
    assert {r.kind for r in review.risks} == {
        risks.GUEST,
        risks.TOKEN_CHECK,
        risks.UNMAPPED_PROVIDER,
    }
    # The trust policy given as JSON text is read.
    assert review.roles["EditorsRole"].identity_pool_role


def test_a_default_role_of_another_app_without_aud_is_flagged() -> None:
    """Any identity pool's token would satisfy it (STS API reference, AssumeRoleWithWebIdentity:
    roles trusting Cognito identity pools must pin cognito-identity.amazonaws.com:aud)."""
    body = fixture(L2)
    role = body["Resources"]["IdentityPoolAuthenticatedRoleB074B49D"]["Properties"]
    del role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]

    review = review_of(body, L2)

    assert (risks.UNPINNED_TRUST, "IdentityPool/AuthenticatedRole") in found(review)
