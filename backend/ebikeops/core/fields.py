"""Small input fields and helpers shared by the apps' serializers and engines."""

import math
from importlib import metadata

from rest_framework import serializers


class FiniteFloatField(serializers.FloatField):
    """A float that is not NaN or infinite ("nan" and "inf" parse as floats)."""

    default_error_messages = {"finite": "A finite number is required."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("finite")
        return value


def code_version(algorithm: str) -> str:
    """The package version and an engine's algorithm version, stored with every result."""
    try:
        package = metadata.version("ebike-ops")
    except metadata.PackageNotFoundError:  # running from a checkout without installing
        package = "unknown"
    return f"ebike-ops {package}; {algorithm}"
