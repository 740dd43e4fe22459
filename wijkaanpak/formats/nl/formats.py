"""The application's one date format (issue 9 item 8), read by Django through
settings.FORMAT_MODULE_PATH: "5 maart 2026" and "5 maart 2026 14:05" (Dutch government style,
month written out). Anything not set here falls back to Django's own Dutch formats."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
TIME_FORMAT = "H:i"
# No second, shorter spelling anywhere ("5-3-2026" would be one).
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
