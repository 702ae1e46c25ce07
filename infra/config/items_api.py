"""The items API: a tenant's items behind ``AWS_IAM`` (``infra/items_api.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.config.parsing import bounded, parse_with

# API Gateway's default account quota per region (10,000 requests per second, a burst of 5,000):
# a stage cannot usefully be allowed more ("Throttle requests to your REST APIs").
MAX_RATE_LIMIT = 10_000
MAX_BURST_LIMIT = 5_000
# Lambda's memory range in MB ("Configure Lambda function memory").
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240


@dataclass(frozen=True)
class ItemsApiConfig:
    """The items API's stage throttling and its function's memory."""

    rate_limit: int = field(default=50, metadata=parse_with(bounded(1, MAX_RATE_LIMIT, 50)))
    burst_limit: int = field(default=100, metadata=parse_with(bounded(1, MAX_BURST_LIMIT, 100)))
    memory_size: int = field(
        default=256, metadata=parse_with(bounded(MIN_MEMORY_MB, MAX_MEMORY_MB, 256))
    )
