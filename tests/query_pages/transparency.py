"""Query counts of transparency's pages (issue 15 item 1) and of the hit rates (item 3): the
public page reads its project's facts and figures in a fixed number of queries whatever the
number of visits (the figures' six, the hit rates' one), the indicator decisions read once."""

from tests.core.test_query_counts import HEADER, PROJECT, SESSION_SAVED, SIGNED_IN, Spec
from tests.query_pages.reports import FIGURES

HIT_RATES: Spec = [
    ('"controls_visit"', "hit rates: visited addresses per indicator, with findings"),
    ('"reports_indicatordecision"', "the latest decision per indicator"),
]
CONTENT: Spec = [
    ('"matching_indicatorsettingsrecord"', "the indicator settings (the method)"),
    ('"projects_projectplanversion"', "the newest adopted plan version (its goals)"),
    (
        '"reports_indicatordecision"',
        "every decision on an indicator, read once: the hit rates' latest and the history",
    ),
    HIT_RATES[0],
    ('"projects_projectpartner"', "the partners taking part, with their organisations"),
    ('"datasharing_datarequest"', "the data requests with their organisations"),
    ('"core_event"', "the method's history: changes of the indicator settings"),
    *FIGURES,
]

PAGES = {
    ("transparency:public", "projectleider", "public_published"): [
        *SIGNED_IN,
        ('"transparency_publicpage"', "the published page with its project and municipality"),
        *CONTENT,
        *HEADER,
        *SESSION_SAVED,
    ],
    ("transparency:preview", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"transparency_publicpage"', "the page's record (status, intro)"),
        *CONTENT,
        *HEADER,
        *SESSION_SAVED,
    ],
    ("reports:hit-rate-panel", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_indicatorsettingsrecord"', "the indicators in use"),
        *HIT_RATES,
        ('"reports_indicatordecision"', "every decision, with who decided (the history)"),
        *SESSION_SAVED,
    ],
    ("reports:indicator-decide", "projectleider", "hit_code"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_indicatorsettingsrecord"', "the indicators in use"),
        *HIT_RATES,
        *HEADER,
        *SESSION_SAVED,
    ],
}
