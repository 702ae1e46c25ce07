"""CloudFormation resource types that hold users, their data, or what reaches either: a
protected stage keeps every one of them (infra/retention.py), whichever construct made it.

By type, not by construct, so a resource a forker adds is kept too. The CDK CLI's resource
specification flags some types ``isStateful``, but not the identity pool (every identity id)
or a group (its memberships), so the list is ours; docs/operations.md gives each reason.
"""

from __future__ import annotations

# type -> what its loss costs
RETAINED_TYPES: dict[str, str] = {
    "AWS::Cognito::UserPool": "every user, password and MFA enrolment",
    "AWS::Cognito::UserPoolClient": "the client id every app is built with",
    "AWS::Cognito::UserPoolGroup": "the group's memberships",
    "AWS::Cognito::UserPoolUser": "the user",
    "AWS::Cognito::UserPoolUserToGroupAttachment": "the membership",
    "AWS::Cognito::UserPoolIdentityProvider": (
        "its federated users' way in: once it is deleted they cannot sign in (Cognito API "
        "reference, DeleteIdentityProvider), and nothing documents that a new IdP of the same "
        "name lets them back"
    ),
    "AWS::Cognito::UserPoolDomain": (
        "the sign-in URL apps and IdPs are configured with; a deleted prefix is free for "
        "anyone in the region to claim"
    ),
    "AWS::Cognito::IdentityPool": (
        "every identity id, which the users' data is keyed by; Cognito never issues them again"
    ),
    "AWS::DynamoDB::Table": "the table's items",
    "AWS::DynamoDB::GlobalTable": "the table's items",
    "AWS::S3::Bucket": "the bucket's objects",
    "AWS::KMS::Key": "everything encrypted with the key",
    "AWS::Logs::LogGroup": "the audit trail of sign-ins and API calls (it still expires)",
    "AWS::RDS::DBInstance": "the database",
    "AWS::RDS::DBCluster": "the database",
    "AWS::EFS::FileSystem": "the files",
}
