"""Faults injected at botocore, below the SDK's own retries: each attempt the client sends may
be throttled, applied with its response lost, refused as unreachable, or let through to moto."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from moto.core.models import botocore_stubber

# One attempt's fate.
PASS = "pass"  # moto answers it
THROTTLE = (
    "throttle"  # DynamoDB answers 400 ProvisionedThroughputExceededException, applies nothing
)
LOSE = "lose"  # applied, then the response is lost (a read timeout)
UNREACHABLE = "unreachable"  # no connection: nothing applied
# DynamoDB's error answer: HTTP 400 with the exception's type and message as JSON (DynamoDB
# developer guide, "Error handling with DynamoDB"); the SDK's standard mode retries it as a
# throttle (AWS SDKs and Tools reference guide, "Retry behavior").
THROTTLED_BODY = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
    b'"message":"The level of configured provisioned throughput for the table was exceeded."}'
)


@dataclass
class Attempts:
    """The attempts the client made, in order, and what happened to each."""

    fates: list[str] = field(default_factory=list)


@contextmanager
def faults(operation: str, plan: Sequence[str]) -> Iterator[Attempts]:
    """Attempt n of the DynamoDB ``operation`` meets ``plan[n]`` (the last entry repeats).

    Injected where moto answers the request botocore sends (its ``before-send`` stub, the HTTP
    layer as the client sees it), so the SDK's own retry handler judges each fault as it would
    judge it from the network, and a throttled or unreachable attempt applies nothing."""
    attempts = Attempts()
    target = f"DynamoDB_20120810.{operation}"
    answer = botocore_stubber.process_request

    def process_request(request: AWSPreparedRequest) -> Any:
        if request.headers.get("X-Amz-Target") not in (target, target.encode()):
            return answer(request)
        fate = plan[min(len(attempts.fates), len(plan) - 1)]
        attempts.fates.append(fate)
        if fate == THROTTLE:
            return 400, {"Content-Type": "application/x-amz-json-1.0"}, THROTTLED_BODY
        if fate == UNREACHABLE:
            raise EndpointConnectionError(endpoint_url=request.url)
        response = answer(request)
        if fate == LOSE:
            raise ReadTimeoutError(endpoint_url=request.url)
        return response

    with patch.object(botocore_stubber, "process_request", process_request):
        yield attempts
