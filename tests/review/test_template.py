"""Intrinsic functions resolve to readable names; IAM policy variables stay visible."""

from __future__ import annotations

from review.template import Template

BODY = {
    "Resources": {
        "BucketAB12": {
            "Type": "AWS::S3::Bucket",
            "Metadata": {"aws:cdk:path": "stack/Storage/Bucket/Resource"},
        },
        "Plain": {"Type": "AWS::SNS::Topic"},
    }
}


def test_ref_getatt_join_and_pseudo_parameters() -> None:
    template = Template.from_json("stack", BODY)
    assert template.resolve({"Ref": "BucketAB12"}) == "<Storage/Bucket>"
    assert template.resolve({"Ref": "Plain"}) == "<Plain>"
    assert template.resolve({"Fn::GetAtt": ["BucketAB12", "Arn"]}) == "<Storage/Bucket.Arn>"
    assert template.resolve({"Fn::GetAtt": "BucketAB12.Arn"}) == "<Storage/Bucket.Arn>"
    joined = {
        "Fn::Join": [
            "",
            [
                {"Fn::GetAtt": ["BucketAB12", "Arn"]},
                "/private/${cognito-identity.amazonaws.com:sub}/*",
            ],
        ]
    }
    assert template.resolve(joined) == (
        "<Storage/Bucket.Arn>/private/${cognito-identity.amazonaws.com:sub}/*"
    )
    assert template.resolve({"Ref": "AWS::Region"}) == "${AWS::Region}"


def test_sub_substitutes_resources_and_variables_and_keeps_policy_variables() -> None:
    template = Template.from_json("stack", BODY)
    sub = {
        "Fn::Sub": [
            "${BucketAB12.Arn}/${Folder}/${aws:PrincipalTag/tenant}/${!Literal}/${AWS::AccountId}",
            {"Folder": {"Ref": "Plain"}},
        ]
    }
    assert template.resolve(sub) == (
        "<Storage/Bucket.Arn>/<Plain>/${aws:PrincipalTag/tenant}/${Literal}/${AWS::AccountId}"
    )
    assert template.references(sub) == {"BucketAB12", "Plain"}


def test_references_ignore_pseudo_parameters_and_unknown_ids() -> None:
    template = Template.from_json("stack", BODY)
    value = {"Fn::Join": [":", [{"Ref": "AWS::Region"}, {"Ref": "BucketAB12"}, {"Ref": "Gone"}]]}
    assert template.references(value) == {"BucketAB12"}
