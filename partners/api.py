"""The REST API's client tokens (issue 14, security R12): authentication, scope, throttling,
and the base of every /api/v1/ view.

A partner system sends `Authorization: Bearer <token>`. The token's SHA-256 finds its
ApiClient (not revoked, not expired, account active); the request then acts as the client's
*account*, a user of the client's organisation holding project roles like a person, so the
pages' selectors and permission checks apply to it unchanged. Sessions are no credential here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import BasePagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from wijkaanpak.core.access import token_api
from wijkaanpak.core.api import KeysetPagination

from .constants import ApiScope
from .models import ApiClient, User
from .selectors import api_client_for_token_hash, api_token_hash
from .services import api_client_touch

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

TOKEN_MALFORMED = "Stuur het token als 'Authorization: Bearer <token>'."  # noqa: S105 - a message, not a secret
UNKNOWN_PARAMETER = "Onbekende parameter."
TOKEN_INVALID = "Het token is onbekend, verlopen of ingetrokken."  # noqa: S105 - a message, not a secret


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` → (the client's account, the ApiClient)."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED)
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED) from error
        client = api_client_for_token_hash(token_hash=api_token_hash(token))
        if client is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        api_client_touch(client=client)
        return client.account, client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="wijkaanpak"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.ApiTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Het token van de API-client, eenmalig getoond bij uitgifte.",
        }


class IsApiClient(BasePermission):
    """The request carries a valid client token (a session or nothing at all: 401)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiClient):
            raise exceptions.NotAuthenticated
        return True


class ReferralOutcomeScope(BasePermission):
    """Writes need the scope read+referral-outcome; without it a write is not found (404),
    like anything else the client may not do (R2)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        client = request.auth
        if not isinstance(client, ApiClient) or client.scope != ApiScope.READ_REFERRAL_OUTCOME:
            raise exceptions.NotFound
        return True


class ApiClientRateThrottle(SimpleRateThrottle):
    """Calls per client (cache-backed), at `WIJKAANPAK_API_THROTTLE_RATE` (e.g. 600/min)."""

    scope = "api_client"

    def get_rate(self) -> str | None:
        return str(settings.WIJKAANPAK_API_THROTTLE_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = request.auth
        if not isinstance(client, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.pk}


class ClientApiMixin(APIView):
    """The base of every /api/v1/ view: the client token only, its scope, its rate, keyset
    pages, and 404 for 'not allowed' as for 'not found' (the exception handler reads
    `hide_not_permitted`)."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [ApiTokenAuthentication]
    permission_classes: Sequence[_PermissionClass] = [IsApiClient, ReferralOutcomeScope]
    throttle_classes: Sequence[type[BaseThrottle]] = [ApiClientRateThrottle]
    pagination_class: type[BasePagination] | None = KeysetPagination
    hide_not_permitted = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        token_api(cls)  # the deny-by-default middleware leaves authentication to the view

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.query_parameters())
        if unknown:  # a typo (`updated_sinse`) must not quietly return everything
            raise exceptions.ValidationError(dict.fromkeys(unknown, [UNKNOWN_PARAMETER]))

    def query_parameters(self) -> set[str]:
        """The query parameters this endpoint reads: its filters and the pagination's."""
        names: set[str] = set()
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None:
            names |= set(filterset.base_filters)
        if getattr(self, "action_is_list", False) or hasattr(self, "list"):
            names |= {KeysetPagination.cursor_query_param, KeysetPagination.page_size_query_param}
        return names

    @property
    def client(self) -> ApiClient:
        request = self.request
        assert isinstance(request.auth, ApiClient)  # IsApiClient ran before any handler
        return request.auth

    @property
    def account(self) -> User:
        return self.client.account
