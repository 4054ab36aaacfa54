"""Content negotiation for every view: an unknown `?format=` is a 400 naming `format`.

DRF answers a `?format=` that no renderer of the view has with 404, as if the resource did not
exist; a POST to a list with `?format=xyz` then got an undocumented 404 (schemathesis).
"""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

UNKNOWN_FORMAT = "Unknown format {value!r}; use one of: {choices}."


class FormatParamNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            choices = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError({"format": [UNKNOWN_FORMAT.format(value=format, choices=choices)]})
        return matching
