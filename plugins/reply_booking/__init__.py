"""Comment-free reply and booking.

Every article ends with a reply section (theme/templates/partials/reply.html) that asks
"Where will you be during our sessions?" and links to /book/california/,
/book/connecticut/ or /book/elsewhere/; the site collects nothing. The booking pages
come from BookingGenerator. The PRACTICE settings block is validated once, at start-up;
the publish settings (PRACTICE_REFUSE_PLACEHOLDERS = True) refuse PLACEHOLDER values
unless the environment sets SITE_ALLOW_PLACEHOLDERS=1.

The logic lives in settings.py and links.py (pure functions); this module only reads
the build's settings and environment and connects the signals.
"""

import logging
import os

from pelican import signals

from .generator import BookingGenerator
from .links import answers, build_mailto, reply_subject
from .settings import (
    PracticeSettingsError,
    find_placeholders,
    format_problems,
    placeholder_verdict,
    validate_settings,
    with_defaults,
)

logger = logging.getLogger(__name__)

__all__ = ["PracticeSettingsError", "find_placeholders", "register"]


def check_settings(pelican):
    """Validate PRACTICE once; fill in its defaults; apply the placeholder policy."""
    settings = pelican.settings
    problems = validate_settings(settings)
    if problems:
        raise PracticeSettingsError(format_problems(problems))
    verdict, message = placeholder_verdict(
        find_placeholders(settings["PRACTICE"]),
        refuse=settings.get("PRACTICE_REFUSE_PLACEHOLDERS", False),
        allowed=os.environ.get("SITE_ALLOW_PLACEHOLDERS") == "1",
    )
    if verdict == "refuse":
        raise PracticeSettingsError(message)
    if verdict == "warn":
        logger.warning("%s", message)
    settings["PRACTICE"] = with_defaults(settings["PRACTICE"])


def add_template_helpers(generator):
    """Give every template the reply answers and the mailto filter."""
    generator.env.globals["reply_answers"] = answers(generator.settings["PRACTICE"])
    generator.env.filters["mailto"] = build_mailto
    generator.env.filters["reply_subject"] = reply_subject


def get_generators(pelican):
    return BookingGenerator


def register():
    # initialized: runs once, before any content is read or generator built, so a bad
    # setting fails the build before any work is done and everything sees the defaults.
    signals.initialized.connect(check_settings)
    # generator_init: each generator has its own Jinja environment; the article pages
    # (reply section) and the booking pages both need the helpers.
    signals.generator_init.connect(add_template_helpers)
    # get_generators: the booking pages are new output files, not content.
    signals.get_generators.connect(get_generators)
