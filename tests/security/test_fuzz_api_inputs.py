"""The REST API's inputs under Hypothesis (issue 16 item 6): the write serializers of the
tablet's sync endpoints and of the referral outcome (controls.api), the filters and the keyset
cursor every pull reads (controls.api.v1, wijkaanpak.core.api; projects.api and reports.api
page with the same pagination). Every input either validates or is refused with the API's
Dutch validation error; no other exception (a 500) ever. Each generated input is counted
(tests/conftest.py: this module is under tests/security/).
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import QueryDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from controls.api.sync import FindingInput, FindingUpdateInput, VisitResultInput
from controls.api.v1 import (
    EveningFilterSet,
    FindingFilterSet,
    OutcomeInputSerializer,
    ReferralFilterSet,
    VisitFilterSet,
)
from controls.models import Controleavond, Finding, Referral, Visit
from tests.figures import figure_add
from wijkaanpak.core.api import KeysetPagination

_FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# JSON as a client may send it: scalars, nesting, odd numbers and strings.
_scalar = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=60)
    | st.sampled_from(["", "0", "-1", "1e999", "NaN", "12.345", "aangetroffen", "boete", " 3 "])
)
_json = st.recursive(
    _scalar,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _payload(fields: list[str]):
    """A body of the serializer's own keys (mostly) and strangers, with any JSON values."""
    keys = st.sampled_from([*fields, "id", "status", "project", "pseudonym", "__proto__"])
    return st.dictionaries(keys | st.text(max_size=10), _json, max_size=len(fields) + 3) | _json


def _validates_or_refuses(serializer_class, data: Any) -> None:
    figure_add("api_inputs_fuzzed")
    serializer = serializer_class(data=data)
    try:
        valid = serializer.is_valid()
    except Exception:  # noqa: BLE001 - the point: nothing but a validation result
        figure_add("fuzz_crashes")
        raise
    if valid:
        assert isinstance(serializer.validated_data, dict)
    else:
        assert serializer.errors
        for messages in serializer.errors.values():
            assert messages  # every refusal says why (DRF's Dutch messages, LANGUAGE_CODE nl)


@pytest.mark.parametrize(
    "serializer_class",
    [VisitResultInput, FindingInput, FindingUpdateInput, OutcomeInputSerializer],
    ids=lambda c: c.__name__,
)
def test_write_serializers_validate_or_refuse_any_body(serializer_class):
    fields = list(serializer_class().fields)

    @_FUZZ
    @given(data=_payload(fields))
    def check(data):
        _validates_or_refuses(serializer_class, data)

    check()


_query_value = st.text(max_size=40) | st.sampled_from(
    ["2026-13-45T25:61:00", "2026-03-01T19:00:00+01:00", "0", "-5", "1e9", "x" * 300, "\x00"]
)


@pytest.mark.parametrize(
    ("filterset", "model"),
    [
        (EveningFilterSet, Controleavond),
        (VisitFilterSet, Visit),
        (FindingFilterSet, Finding),
        (ReferralFilterSet, Referral),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_pull_filters_validate_or_refuse_any_query(filterset, model):
    names = [*filterset.base_filters, "cursor", "page_size"]

    @_FUZZ
    @given(params=st.dictionaries(st.sampled_from(names), _query_value, max_size=len(names)))
    def check(params):
        figure_add("api_inputs_fuzzed")
        query = QueryDict(mutable=True)
        query.update(params)
        bound = filterset(data=query, queryset=model.objects.all())
        try:
            if bound.is_valid():
                bound.qs  # noqa: B018 - the filters applied (values converted; nothing run)
            else:
                assert bound.errors
        except Exception:
            figure_add("fuzz_crashes")
            raise

    check()


_pagination = KeysetPagination()
_factory = APIRequestFactory()


def _request(params: dict[str, str]) -> Request:
    return Request(_factory.get("/api/v1/", params))


def _cursor_or_refusal(params: dict[str, str], fields=("updated_at", "id")) -> None:
    figure_add("api_inputs_fuzzed")
    request = _request(params)
    try:
        _pagination._page_size(request)
    except exceptions.ValidationError as error:
        assert error.detail
    try:
        cursor = _pagination._cursor(request, fields)
    except exceptions.ValidationError as error:
        assert error.detail
        return
    except Exception:
        figure_add("fuzz_crashes")
        raise
    if cursor is not None:
        values = [_pagination._value(f, v) for f, v in zip(fields, cursor["after"], strict=True)]
        _pagination._after(fields, values)


@_FUZZ
@given(cursor=st.text(max_size=120), page_size=_query_value)
def test_keyset_cursor_and_page_size_refuse_any_text(cursor, page_size):
    _cursor_or_refusal({"cursor": cursor, "page_size": page_size})


@_FUZZ
@given(after=_json, until=_json)
def test_keyset_cursor_refuses_any_signed_shape(after, until):
    """A cursor with a valid signature but any content (e.g. from an older release)."""
    raw = signing.dumps({"after": after, "until": until}, salt=KeysetPagination.salt)
    _cursor_or_refusal({"cursor": raw})
