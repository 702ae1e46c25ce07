"""Alarms and the dashboard (``infra/monitoring.py``): where alarms notify."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.config.parsing import matching, parse_with

# An SNS topic ARN: partition, region, 12-digit account, topic name (standard topics only).
TOPIC_ARN = re.compile(
    r"^arn:aws[a-z-]*:sns:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:[A-Za-z0-9_-]{1,256}$"
)


def _topic_arn(value: Any, key: str) -> str | None:
    if value is None:
        return None
    return matching(
        TOPIC_ARN,
        "the ARN of a standard SNS topic",
        "arn:aws:sns:eu-west-1:123456789012:idpools-alarms",
    )(value, key)


@dataclass(frozen=True)
class MonitoringConfig:
    """Alarms and the dashboard (``infra/monitoring.py``): where alarms notify."""

    # An existing topic, so no subscription (an e-mail address) lands in the template. Unset,
    # the alarms have no actions: they show in the console and on the dashboard only.
    alarm_topic_arn: str | None = field(default=None, metadata=parse_with(_topic_arn))
