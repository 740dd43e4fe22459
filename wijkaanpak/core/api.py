"""The one DRF exception handler: domain errors become 400/409/403 with a Dutch message, and a
model ValidationError from a service's full_clean() a 400 with its messages per field."""

from django.core.exceptions import ValidationError as ModelValidationError

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError, InvalidTransition, NotPermitted


def exception_handler(exc, context):
    if isinstance(exc, InvalidTransition):
        return Response({"detail": exc.message, **exc.extra}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotPermitted):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, **exc.extra}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ModelValidationError):  # a service's full_clean(): per field, never a 500
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
