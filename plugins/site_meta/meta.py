"""Pure functions behind the site's metadata: they touch neither settings nor disk."""

import re
from urllib.parse import urlsplit

SCHEMA = "https://schema.org"
ABSOLUTE = re.compile(r"^https?://", re.IGNORECASE)


def is_placeholder(value):
    return isinstance(value, str) and value.startswith("PLACEHOLDER")


def absolute_url(siteurl, path):
    """`path` (relative to the site root) as an absolute URL when SITEURL is set,
    else root-relative: dev builds have SITEURL = "" and no address to be absolute to."""
    if ABSOLUTE.match(path or ""):
        return path
    path = (path or "").lstrip("/")
    return f"{siteurl.rstrip('/')}/{path}" if siteurl else f"/{path}"


def page_path(output_file):
    """The URL path (relative to the site root) of a written file: no index.html, and
    no empty path segments (a tag whose slug is empty is written to tag//index.html)."""
    path = re.sub(r"/{2,}", "/", (output_file or "").replace("\\", "/"))
    return re.sub(r"(?:^|(?<=/))index\.html$", "", path)


def content_image_path(value):
    """An `Image:` metadata value as a path relative to the content folder, or None
    when it is an absolute http(s) URL. `{static}/images/a.png`, `/images/a.png` and
    `images/a.png` all mean content/images/a.png."""
    value = value.strip()
    if ABSOLUTE.match(value):
        return None
    for prefix in ("{static}", "{attach}", "|static|"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value.lstrip("/")


def choose_share_image(explicit, content, default):
    """The image a page is shared with: {"url", "alt", "width", "height"}.

    In order: a `share_image` given to the template, the content's `share_image`
    (a generated title card), its own `Image:` (`own_image`), the site default.
    Each is a dict with a "url" relative to SITEURL (or absolute) and an "alt".
    """
    candidates = (
        explicit,
        getattr(content, "share_image", None),
        getattr(content, "own_image", None),
    )
    for image in candidates:
        if isinstance(image, dict) and image.get("url"):
            return {
                "url": image["url"],
                "alt": image.get("alt") or getattr(content, "title", "") or default["alt"],
                "width": image.get("width"),
                "height": image.get("height"),
            }
    return dict(default)


def state(name):
    return {"@type": "State", "name": name}


def credentials(practice):
    """One EducationalOccupationalCredential per state license in PRACTICE."""
    result = []
    for license_ in practice.get("states", {}).values():
        credential = {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": "license",
            "name": license_["title"],
            "recognizedBy": {"@type": "Organization", "name": license_["board"]},
            "validIn": state(license_["name"]),
        }
        number = license_.get("number")
        if number and not is_placeholder(number):
            credential["identifier"] = number
        result.append(credential)
    return result


def person(practice, bio, url, service_name):
    """The therapist as a schema.org Person.

    schema.org has no `areaServed` on Person; the states she serves sit on the Offer
    she makes (`makesOffer`), where `areaServed` is defined.
    """
    states = [state(license_["name"]) for license_ in practice.get("states", {}).values()]
    data = {
        "@type": "Person",
        "@id": f"{url}#person",
        "name": practice["name"],
        "url": url,
        "hasCredential": credentials(practice),
        "makesOffer": {
            "@type": "Offer",
            "itemOffered": {"@type": "Service", "name": service_name, "areaServed": states},
            "areaServed": states,
        },
    }
    if practice.get("credentials"):
        data["honorificSuffix"] = practice["credentials"]
    if bio:
        data["description"] = bio
    return data


def image_object(image):
    data = {"@type": "ImageObject", "url": image["url"]}
    if image.get("width") and image.get("height"):
        data["width"] = image["width"]
        data["height"] = image["height"]
    return data


def blog_posting(article, url, description, image, author):
    """schema.org BlogPosting for an article; `url` and `image["url"]` absolute."""
    data = {
        "@context": SCHEMA,
        "@type": "BlogPosting",
        "headline": article.title,
        "description": description,
        "datePublished": article.date.isoformat(),
        "dateModified": (getattr(article, "modified", None) or article.date).isoformat(),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "image": image_object(image),
        "author": author,
        "inLanguage": getattr(article, "lang", None) or "en",
    }
    tags = [str(tag) for tag in getattr(article, "tags", None) or ()]
    if tags:
        data["keywords"] = tags
    if getattr(article, "category", None):
        data["articleSection"] = str(article.category)
    if getattr(article, "word_count", None):
        data["wordCount"] = article.word_count
    return data


def about_person(person_data):
    return {"@context": SCHEMA, **person_data}


def robots_txt(siteurl, sitemap_file):
    """robots.txt: everything may be crawled but the search bundles (pagefind/, and for a
    large site pagefind-1/, ...: one prefix); where the sitemap is.

    The Sitemap line needs an absolute URL, which dev builds (SITEURL = "") don't have.
    """
    root = urlsplit(siteurl).path.rstrip("/") if siteurl else ""
    lines = ["User-agent: *", f"Disallow: {root}/pagefind", ""]
    if sitemap_file and ABSOLUTE.match(siteurl or ""):
        lines.append(f"Sitemap: {absolute_url(siteurl, sitemap_file)}")
    elif sitemap_file:
        lines.append("# No Sitemap line: SITEURL is not an absolute URL in this build.")
    return "\n".join(lines) + "\n"
