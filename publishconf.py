"""Settings for the production build (`invoke preview`, `invoke publish`).

Everything from pelicanconf.py, then what production needs: absolute URLs, no drafts,
no future-dated posts, no caches carried over from local builds.

Deploy settings come from the environment (see README, "Deploying"):
  SITE_URL                  production URL, e.g. https://yasminebinghalib.com
  SITE_DEPLOY_TARGET        user@host:/path on the server (required for publish)
  SITE_DEPLOY_PORT          SSH port (default 22)
  SITE_DEPLOY_SSH_KEY       identity file (optional)
  SITE_DEPLOY_KNOWN_HOSTS   known_hosts file (optional; host keys are always verified)
  SITE_ALLOW_PLACEHOLDERS   1 to allow PLACEHOLDER practice settings (staging only)
"""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *

SITEURL = os.environ.get("SITE_URL", "https://yasminebinghalib.com").rstrip("/")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False

# Drafts are never written by the publish settings, and a post dated in the future
# waits for its date.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
WITH_FUTURE_DATES = False

CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
TEMPLATE_CACHE = False  # plugins/template_cache: compile every template afresh
DELETE_OUTPUT_DIRECTORY = True

# Reply and booking: refuse PLACEHOLDER practice settings (listing every one), unless
# the environment sets SITE_ALLOW_PLACEHOLDERS=1 for a staging deploy (loud warning).
PRACTICE_REFUSE_PLACEHOLDERS = True
# Publishing (`invoke publish`, `invoke check`; see sitetools/publish.py and README,
# "Deploying"). `invoke publish` reads the variables listed at the top; it refuses to
# start, before building, without SITE_DEPLOY_TARGET or without a production https://
# SITE_URL (the default above is only for builds run by hand). Every production build
# carries release.json, which the pre-flight checks read (SITEURL, drafts, article
# count compared with the live release).
PLUGINS = [*PLUGINS, "release_manifest"]
# Build speed: production always renders every page (plugins/incremental_output).
INCREMENTAL_OUTPUT = False
