"""Access rows of transparency (issue 15 item 1) and of the hit rates (item 3, reports).

The public page is the one project page reachable without login (security R1 allowlist): every
role, and anonymous (tests/transparency/test_public_page.py), gets 200 on a published page and
404 on one that is not published. Its preview, publishing and withdrawing are the
projectleider's. The hit-rate panel of the method page is every member's (suppressed for the
adviser); a decision on an indicator is the projectleider's."""

from __future__ import annotations

from tests.access_matrix import (
    KWARGS,
    SETUP_HOOKS,
    Row,
    everyone,
    kwargs_builder,
    leader_only,
)
from tests.access_setup import MatrixProject


def _transparency_setup(mp: MatrixProject) -> None:
    """Project A's public page is published by its projectleider; project B's never is (the
    hooks run on project A first)."""
    from transparency.models import PublicPage
    from transparency.services import public_page_publish

    if not PublicPage.objects.exists():
        public_page_publish(
            actor=mp.extra["cast"]["projectleider"], project=mp.project, intro="Welkom"
        )


SETUP_HOOKS.append(_transparency_setup)


@kwargs_builder("public_published")
def _published(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug}


@kwargs_builder("public_unpublished")
def _unpublished(mp: MatrixProject) -> dict:
    return {"slug": mp.extra["twin"].project.slug}


KWARGS["hit_code"] = lambda mp: {"slug": mp.project.slug, "code": "OVERBEWONING"}
KWARGS["hit_code_unknown"] = lambda mp: {"slug": mp.project.slug, "code": "NATIONALITEIT"}


ROWS: list[Row] = [
    Row("transparency:public", everyone(200), other=None, kwargs="public_published"),
    Row("transparency:public", everyone(404), other=None, kwargs="public_unpublished"),
    Row("transparency:preview", leader_only(200)),
    Row("transparency:preview", leader_only(302), method="post", data={"intro": "Hallo buurt"}),
    Row("transparency:withdraw", leader_only(302), method="post"),
    Row("transparency:withdraw", leader_only(405), method="get"),
    # --- hit rates (reports) ---
    Row("reports:hit-rate-panel", everyone(200)),
    Row("reports:indicator-decide", leader_only(200), kwargs="hit_code"),
    # Not flagged in the matrix's world (one visit): the form says so (400).
    Row(
        "reports:indicator-decide",
        leader_only(400),
        method="post",
        kwargs="hit_code",
        data={"decision": "laten_vallen", "reason": ""},
    ),
    Row("reports:indicator-decide", everyone(404), kwargs="hit_code_unknown"),
]
