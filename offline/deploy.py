"""Deploy the synthesized template into moto: what `cdk deploy` would create, offline.

The types the app is built from are created through the AWS API (boto3 against the offline
endpoint) from their template properties, in reference order. What moto cannot hold (identity
pool role attachments and principal tags) is kept in ``IdentityPoolSettings`` for
``offline.identity``. Functions and the REST API are not created in moto: their code runs
in-process (``offline.functions``), so their configuration is recorded instead.

Any other type (a forker's own resources) is created by moto's CloudFormation models when moto
has one, else stood in for, inert, and listed; only a type in the credential path that nothing
emulates stops the run, since ignoring it could change who gets which credentials.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.cloudformation.parsing import get_model_map

from offline.template import Resolver, Template, TemplateError

# AWS managed policies (such as AWSLambdaBasicExecutionRole) are not loaded into moto; they
# only grant CloudWatch Logs, which the offline run does not use.
AWS_MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
# How the offline run stands in for what it does not create in moto.
STAND_INS = {
    "AWS::Lambda::Function": "runs in-process from its staged asset",
    "AWS::Lambda::Permission": "the in-process call needs no invoke permission",
    "AWS::ApiGateway::RestApi": "served by the offline endpoint (offline.apigateway)",
    "AWS::ApiGateway::Deployment": "served by the offline endpoint (offline.apigateway)",
    "AWS::ApiGateway::Stage": "served by the offline endpoint (offline.apigateway)",
    "AWS::ApiGateway::Resource": "served by the offline endpoint (offline.apigateway)",
    "AWS::ApiGateway::Method": "served by the offline endpoint (offline.apigateway)",
    "AWS::ApiGateway::Model": "request validation happens in the handler too",
    "AWS::ApiGateway::RequestValidator": "request validation happens in the handler too",
    "AWS::ApiGateway::GatewayResponse": "served: its CORS headers (offline.cors)",
    "AWS::Logs::LogGroup": "log lines go to the offline process's output",
    "AWS::WAFv2::WebACL": "not emulated: no rate limiting offline",
    "AWS::WAFv2::WebACLAssociation": "not emulated: no rate limiting offline",
    "AWS::CloudWatch::Alarm": "not emulated: no metrics offline",
    "AWS::CloudWatch::Dashboard": "not emulated: no metrics offline",
    "AWS::CDK::Metadata": "synth metadata only",
    # External identity providers: their tokens cannot be minted offline (docs/offline.md).
    # User pool IdPs are recorded: offline.federation plays what they assert at sign-in.
    "AWS::Cognito::UserPoolIdentityProvider": "recorded: offline.federation plays its sign-ins",
    "AWS::Cognito::UserPoolDomain": "not emulated: no managed login offline",
    "AWS::IAM::OIDCProvider": "not emulated: no external IdP offline",
    "AWS::IAM::SAMLProvider": "not emulated: no external IdP offline",
}
# Other types are inert stand-ins, except these services': what they decide, a stand-in would
# get wrong, so an unknown type of theirs is an error saying why.
CREDENTIAL_PATH = {
    "Cognito": "it can change who signs in, their tokens or the role the identity pool chooses",
    "IAM": "it can change what a role trusts or allows",
}
# The authorization types offline.apigateway enforces (API Gateway developer guide, "Control
# access to a REST API with IAM permissions"); methods with others are not served.
SERVED_AUTHORIZATION = ("NONE", "AWS_IAM")
# AWS::S3::Bucket CorsRule's keys that PutBucketCors spells otherwise.
_CORS_KEYS = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
METHOD_HEADER = "method.response.header."
GATEWAY_HEADER = "gatewayresponse.header."
# The CDK's preflight mapping template for several origins (aws-apigateway, Resource's
# addCorsPreflight): the request's origin replaces the static one when it is among these.
_ORIGIN_OVERRIDE = "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)"
_ORIGIN_CHOICE = re.compile(r'\$origin == "([^"]+)"')
INERT = "not emulated: outside the credential path, nothing offline uses it"
# API Gateway developer guide, "Invoking REST APIs": https://<id>.execute-api.<region>.amazonaws
# .com/<stage>/<path>.
_EXECUTE_API_URL = re.compile(
    r"https://(?P<api>[^./]+)\.execute-api\.[^/]+\.amazonaws\.com/(?P<rest>.*)"
)
MOTO = "created by moto's CloudFormation model"


@dataclass(frozen=True)
class RoleMapping:
    type: str
    ambiguous_role_resolution: str | None
    rules: tuple[Mapping[str, str], ...]


@dataclass
class IdentityPoolSettings:
    """An identity pool with what moto does not store: roles, mappings, principal tags."""

    id: str
    allow_classic_flow: bool
    allow_unauthenticated: bool
    # provider name -> client id -> its CognitoIdentityProviders entry (a pool may list several
    # app clients of one user pool, such as a native and a federated client)
    user_pool_providers: dict[str, dict[str, Mapping[str, Any]]]
    developer_provider_name: str | None
    supported_login_providers: Mapping[str, str]
    roles: dict[str, str] = field(default_factory=dict)
    role_mappings: dict[str, RoleMapping] = field(default_factory=dict)
    principal_tags: dict[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionSettings:
    logical_id: str
    handler: str
    environment: Mapping[str, str]
    role_arn: str
    code: Path


@dataclass(frozen=True)
class Method:
    """A Lambda proxy method of a REST API: what routing and authorization need."""

    http_method: str  # GET, PUT, ... or ANY
    resource_path: str  # "/tenants/{tenant}/items", as $context.resourcePath shows it
    authorization: str  # NONE or AWS_IAM
    function: str  # the logical id of the function it invokes


@dataclass(frozen=True)
class Preflight:
    """A resource's CORS preflight: a MOCK ``OPTIONS`` method as the CDK writes it (API Gateway
    developer guide, "Enabling CORS for a REST API resource"). ``headers``: the integration
    response's static headers; ``other_origins``: the origins its mapping template puts in
    ``Access-Control-Allow-Origin`` instead of the static one when the request comes from them."""

    status: int
    headers: Mapping[str, str]
    other_origins: tuple[str, ...]


@dataclass(frozen=True)
class RestApi:
    id: str  # its physical id offline, as its ARNs and URLs carry it
    stages: frozenset[str]
    methods: tuple[Method, ...]
    # Resource path -> its preflight.
    preflights: Mapping[str, Preflight] = field(default_factory=dict)
    # Gateway response type (DEFAULT_4XX, ...) -> header -> its mapping ('static' or
    # method.request.header.<name>).
    gateway_responses: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityProvider:
    """A user pool IdP: what offline.federation needs to play a sign-in through it."""

    type: str  # "SAML" or "OIDC"
    attribute_mapping: Mapping[str, str]  # pool attribute -> IdP attribute


@dataclass
class Deployment:
    template: Template
    resolver: Resolver
    identity_pools: dict[str, IdentityPoolSettings] = field(default_factory=dict)
    functions: dict[str, FunctionSettings] = field(default_factory=dict)
    pre_token_hooks: dict[str, tuple[str, str]] = field(default_factory=dict)  # pool -> fn, ver
    inbound_federation: dict[str, str] = field(default_factory=dict)  # pool -> function
    identity_providers: dict[tuple[str, str], IdentityProvider] = field(default_factory=dict)
    rest_apis: dict[str, RestApi] = field(default_factory=dict)  # by id
    stood_in: dict[str, str] = field(default_factory=dict)  # logical id -> how
    by_moto: list[str] = field(default_factory=list)  # logical ids created by moto's models

    def describe(self) -> list[str]:
        """What the run did not create itself, for `make offline`: per type, how many, how."""
        how = {**dict.fromkeys(self.by_moto, MOTO), **self.stood_in}
        counts = Counter(
            (self.template.resources[lid]["Type"], stood_in) for lid, stood_in in how.items()
        )
        return [
            f"{kind} x{count}: {stood_in}" for (kind, stood_in), count in sorted(counts.items())
        ]

    def outputs(self, endpoint_url: str) -> dict[str, str]:
        """The stack outputs; a REST API's URL (``https://<id>.execute-api.<region>.amazonaws
        .com/<stage>/...``) becomes its address on the offline endpoint,
        ``<endpoint>/<id>/<stage>/...`` (offline.apigateway)."""
        outputs = {}
        for name, value in self.template.outputs.items():
            try:
                outputs[name] = str(self.resolver.resolve(value))
            except TemplateError:
                outputs[name] = ""
            found = _EXECUTE_API_URL.match(outputs[name])
            if found and found["api"] in self.rest_apis:
                outputs[name] = f"{endpoint_url}/{found['api']}/{found['rest']}"
        return outputs


class Deployer:
    def __init__(self, template: Template, session: boto3.Session, region: str, account: str):
        self.template = template
        self.session = session
        self.deployment = Deployment(
            template, Resolver(region=region, account=account, stack_name=template.stack_name)
        )
        self._creators: dict[str, Callable[[str, Mapping[str, Any]], None]] = {
            "AWS::IAM::Role": self._role,
            "AWS::IAM::Policy": self._policy,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::DynamoDB::Table": self._table,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._group,
            "AWS::Cognito::UserPoolIdentityProvider": self._identity_provider,
            "AWS::Cognito::IdentityPool": self._identity_pool,
            "AWS::Cognito::IdentityPoolRoleAttachment": self._role_attachment,
            "AWS::Cognito::IdentityPoolPrincipalTag": self._principal_tag,
            "AWS::Lambda::Function": self._function,
            "AWS::ApiGateway::RestApi": self._recorded,
            "AWS::ApiGateway::Stage": self._stage,
            "AWS::ApiGateway::Resource": self._recorded,
            "AWS::ApiGateway::Deployment": self._recorded,
        }

    def deploy(self) -> Deployment:
        resources = self.template.resources
        refused = sorted(
            f"{logical_id} ({r['Type']}): {why}"
            for logical_id, r in resources.items()
            if (why := self._refusal(r["Type"]))
        )
        if refused:
            raise TemplateError(
                "the offline run cannot emulate these resources of the credential path, and "
                "ignoring them could change who gets which credentials: " + "; ".join(refused)
            )
        for logical_id in self.template.deploy_order(set(resources)):
            resource = resources[logical_id]
            creator = self._creators.get(resource["Type"], self._other)
            properties = self.deployment.resolver.resolve(resource.get("Properties", {}))
            creator(logical_id, properties)
        self._rest_apis()
        return self.deployment

    def _refusal(self, resource_type: str) -> str | None:
        """Why a type stops the run: in the credential path, and nothing here emulates it."""
        if resource_type in self._creators or resource_type in STAND_INS:
            return None
        if resource_type in get_model_map():
            return None
        return CREDENTIAL_PATH.get(resource_type.split("::")[1])

    # Helpers ---------------------------------------------------------------------------------

    @property
    def _resolver(self) -> Resolver:
        return self.deployment.resolver

    def _client(self, service: str) -> Any:
        return self.session.client(service)

    def _name(self, logical_id: str, limit: int, lower: bool = False) -> str:
        """A generated physical name, as CloudFormation makes one: stack, logical id, suffix."""
        suffix = hashlib.sha256(logical_id.encode()).hexdigest()[:12]
        name = f"{self.template.stack_name}-{logical_id}"[: limit - 13] + f"-{suffix}"
        return name.lower() if lower else name

    @staticmethod
    def _api_arguments(
        client: Any, operation: str, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The template properties that the API operation takes under the same name."""
        members = client.meta.service_model.operation_model(operation).input_shape.members
        return {key: value for key, value in properties.items() if key in members}

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self._resolver.region if regional else ""
        return f"arn:aws:{service}:{region}:{self._resolver.account}:{resource}"

    # IAM -------------------------------------------------------------------------------------

    def _role(self, logical_id: str, p: Mapping[str, Any]) -> None:
        iam = self._client("iam")
        name = p.get("RoleName") or self._name(logical_id, 64)
        role = iam.create_role(
            RoleName=name,
            Path=p.get("Path", "/"),
            AssumeRolePolicyDocument=_json(p["AssumeRolePolicyDocument"]),
            MaxSessionDuration=p.get("MaxSessionDuration", 3600),
        )["Role"]
        for policy in p.get("Policies", []):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                PolicyDocument=_json(policy["PolicyDocument"]),
            )
        for arn in p.get("ManagedPolicyArns", []):
            if not arn.startswith(AWS_MANAGED_POLICY_PREFIX):
                iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        self._resolver.refs[logical_id] = name
        self._resolver.attributes[logical_id, "Arn"] = role["Arn"]
        self._resolver.attributes[logical_id, "RoleId"] = role["RoleId"]

    def _policy(self, logical_id: str, p: Mapping[str, Any]) -> None:
        iam = self._client("iam")
        for role in p.get("Roles", []):
            iam.put_role_policy(
                RoleName=role,
                PolicyName=p["PolicyName"],
                PolicyDocument=_json(p["PolicyDocument"]),
            )
        self._resolver.refs[logical_id] = p["PolicyName"]

    # Storage ---------------------------------------------------------------------------------

    def _bucket(self, logical_id: str, p: Mapping[str, Any]) -> None:
        s3 = self._client("s3")
        name = p.get("BucketName") or self._name(logical_id, 63, lower=True)
        s3.create_bucket(Bucket=name, **_location(self._resolver.region))
        if "BucketEncryption" in p:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            # The API's name for CloudFormation's ServerSideEncryptionByDefault.
                            "ApplyServerSideEncryptionByDefault": rule[
                                "ServerSideEncryptionByDefault"
                            ],
                            "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                        }
                        for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if "PublicAccessBlockConfiguration" in p:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"]
            )
        if "CorsConfiguration" in p:
            # CloudFormation's CorsRules spell three keys differently from the API's.
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    "CORSRules": [
                        {_CORS_KEYS.get(key, key): value for key, value in rule.items()}
                        for rule in p["CorsConfiguration"]["CorsRules"]
                    ]
                },
            )
        self._resolver.refs[logical_id] = name
        self._resolver.attributes[logical_id, "Arn"] = f"arn:aws:s3:::{name}"
        self._resolver.attributes[logical_id, "DomainName"] = f"{name}.s3.amazonaws.com"
        self._resolver.attributes[logical_id, "RegionalDomainName"] = (
            f"{name}.s3.{self._resolver.region}.amazonaws.com"
        )

    def _bucket_policy(self, logical_id: str, p: Mapping[str, Any]) -> None:
        """As written, conditions included: offline.access judges it with each request's context
        (moto's own context-free judgement of bucket policies is switched off, offline.stack)."""
        self._client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=_json(p["PolicyDocument"]))
        self._resolver.refs[logical_id] = logical_id

    def _table(self, logical_id: str, p: Mapping[str, Any]) -> None:
        dynamodb = self._client("dynamodb")
        name = p.get("TableName") or self._name(logical_id, 255)
        # The key and capacity settings only: encryption and recovery settings are spelled
        # differently in CloudFormation and change nothing offline.
        keys = ("KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput")
        arguments = {key: p[key] for key in keys if key in p}
        table = dynamodb.create_table(**arguments, TableName=name)["TableDescription"]
        self._resolver.refs[logical_id] = name
        self._resolver.attributes[logical_id, "Arn"] = table["TableArn"]

    # Cognito user pools ----------------------------------------------------------------------

    def _user_pool(self, logical_id: str, p: Mapping[str, Any]) -> None:
        idp = self._client("cognito-idp")
        arguments = self._api_arguments(idp, "CreateUserPool", p)
        arguments["PoolName"] = p.get("UserPoolName") or self._name(logical_id, 128)
        # CloudFormation's schema entries omit AttributeDataType for standard attributes.
        arguments["Schema"] = [
            {"AttributeDataType": "String", **attribute} for attribute in p.get("Schema", [])
        ]
        pool = idp.create_user_pool(**arguments)["UserPool"]
        if "SOFTWARE_TOKEN_MFA" in p.get("EnabledMfas", []):
            idp.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration=p.get("MfaConfiguration", "OFF"),
            )
        hook = p.get("LambdaConfig", {}).get("PreTokenGenerationConfig")
        if hook:
            function = _trigger_function(self.template, logical_id, "PreTokenGenerationConfig")
            self.deployment.pre_token_hooks[pool["Id"]] = (function, hook["LambdaVersion"])
        if p.get("LambdaConfig", {}).get("InboundFederation"):
            function = _trigger_function(self.template, logical_id, "InboundFederation")
            self.deployment.inbound_federation[pool["Id"]] = function
        self._resolver.refs[logical_id] = pool["Id"]
        self._resolver.attributes[logical_id, "Arn"] = pool["Arn"]
        provider = f"cognito-idp.{self._resolver.region}.amazonaws.com/{pool['Id']}"
        self._resolver.attributes[logical_id, "ProviderName"] = provider
        self._resolver.attributes[logical_id, "ProviderURL"] = f"https://{provider}"
        self._resolver.attributes[logical_id, "UserPoolId"] = pool["Id"]

    def _user_pool_client(self, logical_id: str, p: Mapping[str, Any]) -> None:
        idp = self._client("cognito-idp")
        arguments = self._api_arguments(idp, "CreateUserPoolClient", p)
        arguments.setdefault("ClientName", self._name(logical_id, 128))
        client = idp.create_user_pool_client(**arguments)["UserPoolClient"]
        self._resolver.refs[logical_id] = client["ClientId"]
        self._resolver.attributes[logical_id, "ClientId"] = client["ClientId"]

    def _identity_provider(self, logical_id: str, p: Mapping[str, Any]) -> None:
        self.deployment.identity_providers[p["UserPoolId"], p["ProviderName"]] = IdentityProvider(
            p["ProviderType"], dict(p.get("AttributeMapping", {}))
        )
        self.deployment.stood_in[logical_id] = STAND_INS["AWS::Cognito::UserPoolIdentityProvider"]
        self._resolver.refs[logical_id] = p["ProviderName"]

    def _group(self, logical_id: str, p: Mapping[str, Any]) -> None:
        idp = self._client("cognito-idp")
        name = p.get("GroupName") or self._name(logical_id, 128)
        idp.create_group(**{**self._api_arguments(idp, "CreateGroup", p), "GroupName": name})
        self._resolver.refs[logical_id] = name

    # Cognito identity pools ------------------------------------------------------------------

    def _identity_pool(self, logical_id: str, p: Mapping[str, Any]) -> None:
        identity = self._client("cognito-identity")
        arguments = self._api_arguments(identity, "CreateIdentityPool", p)
        arguments["IdentityPoolName"] = p.get("IdentityPoolName") or logical_id
        arguments["AllowUnauthenticatedIdentities"] = p.get("AllowUnauthenticatedIdentities", False)
        pool = identity.create_identity_pool(**arguments)
        self.deployment.identity_pools[pool["IdentityPoolId"]] = IdentityPoolSettings(
            id=pool["IdentityPoolId"],
            allow_classic_flow=bool(p.get("AllowClassicFlow", False)),
            allow_unauthenticated=bool(p.get("AllowUnauthenticatedIdentities", False)),
            user_pool_providers=_by_provider(p.get("CognitoIdentityProviders", [])),
            developer_provider_name=p.get("DeveloperProviderName"),
            supported_login_providers=p.get("SupportedLoginProviders", {}),
        )
        self._resolver.refs[logical_id] = pool["IdentityPoolId"]
        self._resolver.attributes[logical_id, "Name"] = pool["IdentityPoolName"]
        self._resolver.attributes[logical_id, "Id"] = pool["IdentityPoolId"]

    def _role_attachment(self, logical_id: str, p: Mapping[str, Any]) -> None:
        pool = self.deployment.identity_pools[p["IdentityPoolId"]]
        pool.roles = dict(p.get("Roles", {}))
        for mapping in p.get("RoleMappings", {}).values():
            pool.role_mappings[mapping["IdentityProvider"]] = RoleMapping(
                type=mapping["Type"],
                ambiguous_role_resolution=mapping.get("AmbiguousRoleResolution"),
                rules=tuple(mapping.get("RulesConfiguration", {}).get("Rules", [])),
            )
        self._resolver.refs[logical_id] = logical_id

    def _principal_tag(self, logical_id: str, p: Mapping[str, Any]) -> None:
        pool = self.deployment.identity_pools[p["IdentityPoolId"]]
        # Developer guide, "Default provider mappings": UseDefaults maps a user pool's aud and sub,
        # but no AWS page names the tag keys they become. Guessing them could judge a policy on
        # other keys wrongly in either direction, so the run stops instead (the app always
        # writes its map).
        if p.get("UseDefaults"):
            raise TemplateError(
                f"{logical_id} (AWS::Cognito::IdentityPoolPrincipalTag): UseDefaults maps claims "
                "to tag keys no AWS page names, so the offline run cannot know the session's "
                "tags; write the map (PrincipalTags, UseDefaults false) instead"
            )
        pool.principal_tags[p["IdentityProviderName"]] = dict(p.get("PrincipalTags") or {})
        self._resolver.refs[logical_id] = logical_id

    # A forker's own resources ----------------------------------------------------------------

    def _other(self, logical_id: str, p: Mapping[str, Any]) -> None:
        """moto's CloudFormation model for the type if it has one, else an inert stand-in."""
        resource_type = self.template.resources[logical_id]["Type"]
        if resource_type in STAND_INS:  # the run's own stand-in, though moto may have a model
            self._recorded(logical_id, p)
            return
        model = get_model_map().get(resource_type)
        if model is None:
            self.deployment.stood_in[logical_id] = INERT
            self._resolver.refs[logical_id] = logical_id
            return
        name_key = model.cloudformation_name_type()
        name = p.get(name_key) if name_key else None
        created = model.create_from_cloudformation_json(
            name or self._name(logical_id, 64),
            {"Properties": dict(p)},
            self._resolver.account,
            self._resolver.region,
            LogicalId=logical_id,
            StackId=self.template.stack_name,
            ResourceType=resource_type,
        )
        self.deployment.by_moto.append(logical_id)
        self._resolver.refs[logical_id] = created.physical_resource_id
        for attribute in _attributes_used(self.template, logical_id):
            self._resolver.attributes[logical_id, attribute] = created.get_cfn_attribute(attribute)

    # Recorded, not created -------------------------------------------------------------------

    def _function(self, logical_id: str, p: Mapping[str, Any]) -> None:
        name = p.get("FunctionName") or self._name(logical_id, 64)
        self.deployment.functions[logical_id] = FunctionSettings(
            logical_id=logical_id,
            handler=p["Handler"],
            environment=dict(p.get("Environment", {}).get("Variables", {})),
            role_arn=p["Role"],
            code=self.template.asset_directory(logical_id),
        )
        self.deployment.stood_in[logical_id] = STAND_INS["AWS::Lambda::Function"]
        self._resolver.refs[logical_id] = name
        self._resolver.attributes[logical_id, "Arn"] = self._arn("lambda", f"function:{name}")

    def _recorded(self, logical_id: str, p: Mapping[str, Any]) -> None:
        """A stand-in: names for what other resources reference (policies name log groups)."""
        resource_type = self.template.resources[logical_id]["Type"]
        self.deployment.stood_in[logical_id] = STAND_INS[resource_type]
        name = logical_id.lower()
        service = resource_type.split("::")[1].lower()
        self._resolver.refs[logical_id] = name
        self._resolver.attributes[logical_id, "Arn"] = self._arn(service, f"{name}:*")
        self._resolver.attributes[logical_id, "RootResourceId"] = f"{name}-root"

    def _stage(self, logical_id: str, p: Mapping[str, Any]) -> None:
        self._recorded(logical_id, p)
        self._resolver.refs[logical_id] = p["StageName"]

    def _rest_apis(self) -> None:
        """Each REST API's stages and Lambda proxy methods, by the resource tree's paths. Methods
        of other integrations or authorizers are not served offline (a request to one is
        refused as one to no method); a resource policy would decide who may call, so it stops
        the run rather than being ignored."""
        resolve = self._resolver.resolve
        paths = {
            logical_id: (p["ParentId"], p["PathPart"])
            for logical_id, p in self.template.of_type("AWS::ApiGateway::Resource")
        }
        stages: dict[str, set[str]] = {}
        for _, stage in self.template.of_type("AWS::ApiGateway::Stage"):
            stages.setdefault(resolve(stage["RestApiId"]), set()).add(stage["StageName"])
        methods: dict[str, list[Method]] = {}
        preflights: dict[str, dict[str, Preflight]] = {}
        for _, method in self.template.of_type("AWS::ApiGateway::Method"):
            integration = method.get("Integration", {})
            authorization = method.get("AuthorizationType", "NONE")
            parts: list[str] = []
            resource = method["ResourceId"].get("Ref")
            while resource in paths:
                parent, part = paths[resource]
                parts.insert(0, part)
                resource = parent.get("Ref")
            api_id = resolve(method["RestApiId"])
            found = _preflight(method, integration, authorization)
            if found is not None:
                preflights.setdefault(api_id, {})["/" + "/".join(parts)] = found
            if integration.get("Type") != "AWS_PROXY" or authorization not in SERVED_AUTHORIZATION:
                continue
            served = Method(
                method["HttpMethod"],
                "/" + "/".join(parts),
                authorization,
                _function_in(integration["Uri"]),
            )
            methods.setdefault(api_id, []).append(served)
        gateway_responses: dict[str, dict[str, dict[str, str]]] = {}
        for _, response in self.template.of_type("AWS::ApiGateway::GatewayResponse"):
            headers = {
                key.removeprefix(GATEWAY_HEADER): str(value)
                for key, value in response.get("ResponseParameters", {}).items()
                if key.startswith(GATEWAY_HEADER)
            }
            api_responses = gateway_responses.setdefault(resolve(response["RestApiId"]), {})
            api_responses[response["ResponseType"]] = headers
        for logical_id, api in self.template.of_type("AWS::ApiGateway::RestApi"):
            if "Policy" in api:
                raise TemplateError(
                    f"{logical_id} (AWS::ApiGateway::RestApi): its resource policy is not "
                    "emulated offline, and ignoring it could let the wrong callers in"
                )
            api_id = resolve({"Ref": logical_id})
            self.deployment.rest_apis[api_id] = RestApi(
                api_id,
                frozenset(stages.get(api_id, ())),
                tuple(methods.get(api_id, ())),
                preflights.get(api_id, {}),
                gateway_responses.get(api_id, {}),
            )


def _preflight(
    method: Mapping[str, Any], integration: Mapping[str, Any], authorization: str
) -> Preflight | None:
    """The preflight an unauthorized MOCK ``OPTIONS`` method answers, as the CDK writes it: one
    integration response with static headers, and a mapping template that may set
    ``Access-Control-Allow-Origin`` to the request's origin when it is one of those it names."""
    if method["HttpMethod"] != "OPTIONS" or integration.get("Type") != "MOCK":
        return None
    if authorization != "NONE":
        return None  # a browser's preflight carries no credentials: it would be refused
    [answer] = integration.get("IntegrationResponses", [{}])
    headers = {
        key.removeprefix(METHOD_HEADER): str(value).strip("'")
        for key, value in answer.get("ResponseParameters", {}).items()
        if key.startswith(METHOD_HEADER)
    }
    template = answer.get("ResponseTemplates", {}).get("application/json", "")
    echoed = _ORIGIN_OVERRIDE in template
    others = tuple(_ORIGIN_CHOICE.findall(template)) if echoed else ()
    return Preflight(int(answer.get("StatusCode", 200)), headers, others)


def _function_in(value: Any) -> str:
    """The function a Lambda integration URI (an ``Fn::Join`` with its ``GetAtt Arn``) names."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            target: str = value["Fn::GetAtt"][0]
            return target
        for item in value.values():
            found = _function_in(item)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _function_in(item)
            if found:
                return found
    return ""


def _attributes_used(template: Template, logical_id: str) -> set[str]:
    """The attributes of ``logical_id`` that the template reads with ``Fn::GetAtt``."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            target = value.get("Fn::GetAtt")
            if isinstance(target, list) and target[0] == logical_id:
                found.add(str(target[1]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(template.body)
    return found


def _trigger_function(template: Template, pool_logical_id: str, trigger: str) -> str:
    config = template.resources[pool_logical_id]["Properties"]["LambdaConfig"]
    return _function_in(config[trigger]["LambdaArn"])


def _by_provider(entries: list[Mapping[str, Any]]) -> dict[str, dict[str, Mapping[str, Any]]]:
    providers: dict[str, dict[str, Mapping[str, Any]]] = {}
    for entry in entries:
        providers.setdefault(entry["ProviderName"], {})[entry["ClientId"]] = entry
    return providers


def _location(region: str) -> dict[str, Any]:
    if region == "us-east-1":
        return {}
    return {"CreateBucketConfiguration": {"LocationConstraint": region}}


def _json(document: Any) -> str:
    return json.dumps(document)
