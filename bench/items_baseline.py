"""The baseline of bench/items_api.py: Powertools' REST resolver alone, with the items API's
routes answering constants (no identity check, no validation, no logging, metrics or table).

The bench hands it the function's own answers to its requests, so both sides serialize the same
bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver


def bare_resolver(me: dict[str, Any], item: dict[str, Any]) -> APIGatewayRestResolver:
    api = APIGatewayRestResolver()

    @api.get("/me")
    def get_me() -> dict[str, Any]:
        return me

    @api.get("/tenants/<tenant>/items")
    def list_items(tenant: str) -> dict[str, Any]:
        return {"items": [item]}

    @api.put("/tenants/<tenant>/items/<item_id>")
    def put_item(tenant: str, item_id: str) -> dict[str, Any]:
        return item

    @api.delete("/tenants/<tenant>/items/<item_id>")
    def delete_item(tenant: str, item_id: str) -> dict[str, Any]:
        return {"deleted": item_id}

    return api


def powertools_floor(
    me: dict[str, Any], item: dict[str, Any]
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The bare resolver wrapped in what the function spends on Powertools (a global middleware,
    the logger's context and correlation id, a metric on writes and its EMF flush): the part of
    the ratio that is not the function's own logic."""
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.metrics import MetricUnit

    logger, metrics = Logger(service="floor"), Metrics(namespace="floor", service="floor")
    api = bare_resolver(me, item)

    def count_writes(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Any:
        if app.current_event.http_method == "PUT":
            metrics.add_metric("ItemWritten", MetricUnit.Count, 1)
        return next_middleware(app)

    api.use(middlewares=[count_writes])

    @metrics.log_metrics
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return api.resolve(event, context)

    return handler
