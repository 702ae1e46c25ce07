"""Which browser origins the stack answers (CORS), read from the template: the buckets' CORS
rules, the REST APIs' preflight methods and the headers of their gateway responses. A reviewer
sees every origin a page may call the stack from, and ``*`` where one appears."""

from __future__ import annotations

import re
from dataclasses import dataclass

from facts.cloudformation import Json
from review.template import Template, fields, objects

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
# The CDK's preflight template for several origins names each one so (aws-apigateway).
_TEMPLATE_ORIGIN = re.compile(r'\$origin == "([^"]+)"')
ECHOED = "the request's Origin"


@dataclass(frozen=True)
class BrowserAccess:
    where: str  # the bucket, or the REST API
    answers: str  # what answers CORS there
    origins: list[str]


def browser_access(template: Template) -> list[BrowserAccess]:
    found = []
    for logical_id in template.of_type("AWS::S3::Bucket"):
        configuration = fields(template.properties(logical_id).get("CorsConfiguration"))
        for rule in objects(configuration.get("CorsRules")):
            methods = ", ".join(template.text(m) for m in listed(rule.get("AllowedMethods")))
            found.append(
                BrowserAccess(
                    template.name_of(logical_id),
                    f"bucket CORS rule ({methods})",
                    [template.text(o) for o in listed(rule.get("AllowedOrigins"))],
                )
            )
    apis: dict[str, set[str]] = {}
    for logical_id in template.of_type("AWS::ApiGateway::Method"):
        properties = template.properties(logical_id)
        integration = fields(properties.get("Integration"))
        if properties.get("HttpMethod") != "OPTIONS" or integration.get("Type") != "MOCK":
            continue
        api = template.text(properties.get("RestApiId"))
        for answer in objects(integration.get("IntegrationResponses")):
            static = fields(answer.get("ResponseParameters")).get(
                f"method.response.header.{ALLOW_ORIGIN}"
            )
            origins = apis.setdefault(api, set())
            if isinstance(static, str):
                origins.add(static.strip("'"))
            for template_text in fields(answer.get("ResponseTemplates")).values():
                origins.update(_TEMPLATE_ORIGIN.findall(str(template_text)))
    found += [BrowserAccess(api, "preflights", sorted(o)) for api, o in apis.items()]
    responses: dict[tuple[str, str], list[str]] = {}
    for logical_id in template.of_type("AWS::ApiGateway::GatewayResponse"):
        properties = template.properties(logical_id)
        mapping = fields(properties.get("ResponseParameters")).get(
            f"gatewayresponse.header.{ALLOW_ORIGIN}"
        )
        if mapping is None:
            continue
        text = str(mapping)
        origin = text.strip("'") if text.startswith("'") else f"{ECHOED} ({text})"
        key = (template.text(properties.get("RestApiId")), origin)
        responses.setdefault(key, []).append(template.text(properties.get("ResponseType")))
    found += [
        BrowserAccess(api, f"gateway responses ({', '.join(kinds)})", [origin])
        for (api, origin), kinds in responses.items()
    ]
    return found


def listed(value: Json) -> list[Json]:
    return value if isinstance(value, list) else [] if value is None else [value]
