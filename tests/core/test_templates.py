"""Template hygiene that Django does not check for us."""

import re
from pathlib import Path

from django.conf import settings

ONE_LINE_COMMENT_OPEN = re.compile(r"\{#(?![^\n]*#\})")


def test_no_template_comment_spans_lines():
    """`{# … #}` is a single-line comment in Django: spread over lines it is rendered as text,
    and any tag inside it runs (an include of the template itself recursed). Longer comments
    use {% comment %}."""
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[: match.start()].count(chr(10)) + 1}"
        for root in settings.TEMPLATES[0]["DIRS"]
        for path in Path(root).rglob("*.html")
        for text in [path.read_text(encoding="utf-8")]
        for match in ONE_LINE_COMMENT_OPEN.finditer(text)
    ]
    assert offenders == []
