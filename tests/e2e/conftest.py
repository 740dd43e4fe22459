"""What every browser test shares: a tablet-sized page in the system Chromium, and the check
that every visible control is a touch target of at least 44 px."""

import os
from contextlib import contextmanager

import pytest

TOUCH = 44
TABLET = {"width": 768, "height": 1024}

SMALL_TARGETS_JS = """(min) => Array.from(
        document.querySelectorAll('a, button, input, select, textarea, summary'))
    .filter(el => { const r = el.getBoundingClientRect();
                    return r.width > 0 && r.height > 0 && r.left >= 0; })
    .filter(el => el.type !== 'hidden' && el.type !== 'checkbox')
    .filter(el => el.getBoundingClientRect().height < min)
    .map(el => Math.round(el.getBoundingClientRect().left) + ","
               + Math.round(el.getBoundingClientRect().height) + " "
               + el.outerHTML.slice(0, 100))"""


@contextmanager
def system_chromium():
    """/usr/bin/chromium (never a downloaded browser), driven from the calling thread."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page():
    """A 768 × 1024 page in the system Chromium."""
    with system_chromium() as browser:
        page = browser.new_page(viewport=TABLET)
        page.set_default_timeout(10_000)
        yield page


def assert_touch_targets(page) -> None:
    """Every visible control of the loaded page is at least TOUCH px high."""
    page.wait_for_load_state("load")
    assert page.evaluate(SMALL_TARGETS_JS, TOUCH) == []
