"""Pelican's Date and Modified metadata read without dateutil when written plainly.

Pelican parses every date with dateutil (`pelican.utils.get_date`): ~30 µs a date, about
a quarter of the build's own work on each article Markdown's second process converted,
work the build does alone with the other core idle. A date written `YYYY-MM-DD`,
`YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (the linter asks for the second; a `T` may
stand for the space) is made here directly, with the fields and the type get_date gives
(a naive SafeDatetime). Anything else, or a day or time that does not exist, goes to
get_date as before, so its dates and its errors are Pelican's.
tests/test_fast_markdown.py compares both on every form, valid or not.
"""

import re

from pelican import readers
from pelican.utils import SafeDatetime, get_date

PLAIN_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")

# Pelican's own processors, as pelican.readers defines them: only these are replaced.
PELICAN_PROCESSORS = {name: readers.METADATA_PROCESSORS[name] for name in ("date", "modified")}


def parse_date(text):
    """get_date(text), without dateutil for a plain date."""
    match = PLAIN_DATE.fullmatch(text)
    if match is not None:
        try:
            return SafeDatetime(*[int(part) for part in match.groups() if part is not None])
        except ValueError:  # no such day or time: get_date says so, in its words
            pass
    return get_date(text)


# The same as Pelican's processors, each with parse_date for get_date.
FAST_PROCESSORS = {
    "date": lambda value, _settings: parse_date(value.replace("_", " ")),
    "modified": lambda value, _settings: parse_date(value),
}


def use_fast_dates(_pelican=None):
    """Put FAST_PROCESSORS in place of Pelican's (not of another plugin's)."""
    for name, fast in FAST_PROCESSORS.items():
        if readers.METADATA_PROCESSORS.get(name) is PELICAN_PROCESSORS[name]:
            readers.METADATA_PROCESSORS[name] = fast
