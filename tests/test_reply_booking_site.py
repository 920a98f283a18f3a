"""Reply and booking: real builds, assertions on the parsed HTML and the build's output."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.practice_fixtures import FILLED, practice, set_practice
from tests.sitebuild import content_with, html_pages, parse, run_build

STATE_PAGES = {
    "california": ("Licensed Marriage and Family Therapist", "LMFT 123456"),
    "connecticut": ("Licensed Marital and Family Therapist", "004321"),
}
ROUTES = ["/book/california/", "/book/connecticut/", "/book/elsewhere/"]
WIDE = {"COLUMNS": "250"}  # Pelican's log handler wraps at the terminal width


def normalise(text):
    return " ".join(text.split())


@pytest.fixture(scope="module")
def filled_site(tmp_path_factory):
    """The site with every practice setting filled in, built with the publish settings
    (which refuse placeholders) plus an article whose title needs URL-encoding."""
    tmp_path = tmp_path_factory.mktemp("filled")
    output = tmp_path / "output"
    result = run_build(
        output,
        settings="publishconf.py",
        content=content_with(tmp_path, "reply/reply-subject.md"),
        env={"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "", **WIDE},
        extra=set_practice(FILLED),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PLACEHOLDER" not in result.stderr
    return output


def article_pages(output):
    """Every article page: the pages whose <article> is a post."""
    return [p for p in html_pages(output) if parse(p).select_one("article.post")]


def subject_of(mailto):
    parts = urlsplit(mailto)
    assert parts.scheme == "mailto"
    return unquote(parts.path), parse_qs(parts.query)["subject"]


# ---- The reply section ----


@pytest.mark.parametrize("build", ["site", "filled_site"])
def test_every_article_ends_with_the_reply_section_and_its_three_routes(build, request):
    output = request.getfixturevalue(build)
    pages = article_pages(output)
    assert pages
    for path in pages:
        page = parse(path)
        reply = page.select_one("article.post section.reply")
        assert reply is not None, path
        assert reply.find_previous_sibling("div", class_="post__body") is not None
        assert reply.find("h2").get_text() == "Reply to Yasmine"
        assert "no comments here, on purpose" in normalise(reply.get_text())
        question = reply.select_one(".where__question")
        assert question.get_text() == "Where will you be during our sessions?"
        links = reply.select(".where__answers a")
        assert [a.get_text() for a in links] == [
            "In California",
            "In Connecticut",
            "Somewhere else",
        ]
        hrefs = [a["href"] for a in links]
        site_url = "https://example.org" if build == "filled_site" else ""
        assert hrefs == [site_url + route for route in ROUTES]
        assert all("?" not in href and "#" not in href for href in hrefs)
        for href in hrefs:  # each route leads to a page that exists
            assert (output / href.removeprefix(site_url).strip("/") / "index.html").is_file()
        crisis = normalise(reply.select_one(".crisis-line").get_text())
        assert "Call or text 988" in crisis
        assert "text HOME to 741741" in crisis
        assert "911" in crisis


@pytest.mark.parametrize("build", ["site", "filled_site"])
def test_the_reply_section_collects_nothing(build, request):
    for path in article_pages(request.getfixturevalue(build)):
        reply = parse(path).select_one("section.reply")
        assert reply.find(["form", "input", "textarea", "select", "button", "script"]) is None


def test_the_reply_mailto_names_the_article(filled_site):
    for slug, title in [
        ("the-ingredients", "The Ingredients"),
        ("reply-subject-check", "Trust, “Repair” & the 50/50 Myth: Why #1?"),
    ]:
        reply = parse(filled_site / slug / "index.html").select_one("section.reply")
        (mailto,) = reply.select('a[href^="mailto:"]')
        assert subject_of(mailto["href"]) == ("yasmine@example.com", [f"Reply to: {title}"])
        assert " " not in mailto["href"]
        warning = normalise(reply.select_one(".email-fallback").get_text())
        assert "E-mail is not secure: please share only your name and a few times" in warning


def test_placeholder_email_is_shown_visibly_not_linked(site):
    reply = parse(site / "the-ingredients" / "index.html").select_one("section.reply")
    assert reply.select('a[href^="mailto:"]') == []
    mark = reply.select_one(".email-fallback mark.placeholder")
    assert mark.get_text().startswith("PLACEHOLDER")
    assert "“Reply to: The Ingredients”" in reply.select_one(".email-fallback").get_text()


# ---- The booking pages ----


def test_navigation_links_to_the_hub(site):
    nav = parse(site / "index.html").select_one("nav.site-nav")
    assert ("Book", "/book/") in [(a.get_text(), a["href"]) for a in nav.find_all("a")]
    hub_nav = parse(site / "book" / "index.html").select_one("nav.site-nav")
    assert hub_nav.select_one('a[aria-current="page"]').get_text() == "Book"


def test_the_hub_asks_the_question(site):
    page = parse(site / "book" / "index.html")
    assert page.find("h1").get_text() == "Book a session"
    assert page.select_one("h2.where__question").get_text() == (
        "Where will you be during our sessions?"
    )
    assert [a["href"] for a in page.select(".where__answers a")] == ROUTES


@pytest.mark.parametrize("state", STATE_PAGES)
def test_each_state_page(filled_site, state):
    title, number = STATE_PAGES[state]
    name = state.capitalize()
    page = parse(filled_site / "book" / state / "index.html")
    main = page.find("main")
    text = normalise(main.get_text())
    assert page.find("h1").get_text() == f"Book a session in {name}"
    assert f"Yasmine Binghalib, {title} (LMFT), {name} license no. {number}" in text
    lookup = main.select_one("a.booking__lookup")
    assert lookup["href"] == FILLED["states"][state]["lookup_url"]
    assert set(lookup["rel"]) >= {"noopener", "noreferrer"}
    assert f"only while you are physically in {name} during each session" in text
    consultation = main.select_one(".booking__consultation").get_text()
    assert consultation == "A free 15-minute video consultation"
    assert [dd.get_text() for dd in main.select(".booking__fee")] == FILLED["fees"]
    (booking,) = main.select("a.booking__button")
    assert booking["href"] == "https://yasmine.clientsecure.me/"
    assert booking["rel"] == ["noopener", "noreferrer"]
    assert booking.get("target") is None  # the platform's own page, in this tab
    assert main.find(["iframe", "embed", "object"]) is None
    (mailto,) = main.select('a[href^="mailto:"]')
    subject = f"Reply to: Book a session in {name}"
    assert subject_of(mailto["href"]) == ("yasmine@example.com", [subject])
    assert "E-mail is not secure: please share only your name" in text
    other_title = {s: t for s, (t, _) in STATE_PAGES.items() if s != state}.popitem()[1]
    assert other_title not in text  # each page uses its own state's legal title


def test_the_california_rule_cites_its_law(filled_site):
    text = normalise(parse(filled_site / "book" / "california" / "index.html").find("main").text)
    assert "(California law: 16 CCR §1815.5 and Bus. & Prof. Code §2290.5)" in text


def test_state_pages_show_placeholders_visibly_and_leave_out_empty_fees(site):
    main = parse(site / "book" / "california" / "index.html").find("main")
    marks = [m.get_text() for m in main.select("mark.placeholder")]
    assert any(m.startswith("Book on my secure booking page: PLACEHOLDER") for m in marks)
    assert "PLACEHOLDER: California LMFT number" in marks
    assert main.select("a.booking__button") == []
    assert main.select(".booking__fee") == []  # fees is "" in pelicanconf.py
    assert "Fees" not in [dt.get_text() for dt in main.select("dt")]


def test_the_elsewhere_page(filled_site):
    main = parse(filled_site / "book" / "elsewhere" / "index.html").find("main")
    text = normalise(main.get_text())
    assert main.find("h1").get_text() == "Outside California and Connecticut"
    assert "Thank you for thinking of me" in text
    assert "not a judgment about you" in text
    links = {a.get_text(): a for a in main.select(".booking__directories a")}
    assert set(links) == {
        "AAMFT Therapist Locator",
        "Psychology Today therapist directory",
        "Your state's licensing board (AMFTRB)",
    }
    for link in links.values():
        assert link["href"].startswith("https://")
        assert link["rel"] == ["noopener", "noreferrer"]
    assert "Call or text 988" in text
    assert "Text HOME to 741741" in text
    assert "call 911" in text
    assert main.select('a[href^="mailto:"]') == []
    assert main.select(".booking__button") == []


def test_directories_come_from_the_settings(tmp_path):
    output = tmp_path / "output"
    directories = [{"label": "Open Path Collective", "url": "https://openpathcollective.org/"}]
    result = run_build(output, extra=set_practice(practice((("directories",), directories))))
    assert result.returncode == 0, result.stderr
    main = parse(output / "book" / "elsewhere" / "index.html").find("main")
    assert [a.get_text() for a in main.select(".booking__directories a")] == [
        "Open Path Collective"
    ]


# ---- Placeholders in the publish build ----


def test_the_publish_build_refuses_placeholders_listing_every_key(tmp_path):
    output = tmp_path / "output"
    result = run_build(
        output,
        settings="publishconf.py",
        env={"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "", **WIDE},
    )
    assert result.returncode != 0
    assert "the publish settings refuse PLACEHOLDER values" in result.stderr
    for key in (
        'PRACTICE["email"]',
        'PRACTICE["booking_url"]',
        'PRACTICE["states"]["california"]["number"]',
        'PRACTICE["states"]["connecticut"]["number"]',
    ):
        assert f"  - {key}\n" in result.stderr, key
    assert "SITE_ALLOW_PLACEHOLDERS=1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (output / "index.html").exists()


def test_site_allow_placeholders_builds_with_a_loud_warning(tmp_path):
    output = tmp_path / "output"
    result = run_build(
        output,
        settings="publishconf.py",
        env={"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "1", **WIDE},
    )
    assert result.returncode == 0, result.stderr
    log = normalise(result.stdout + result.stderr)
    assert "WARNING" in log
    assert "!!! SITE_ALLOW_PLACEHOLDERS=1: publishing with 4 PLACEHOLDER practice setting(s)" in log
    assert "staging only and must not go live" in log
    assert '- PRACTICE["states"]["connecticut"]["number"]' in log
    marks = parse(output / "book" / "california" / "index.html").select("mark.placeholder")
    assert marks


def test_local_builds_allow_placeholders_silently(tmp_path):
    result = run_build(tmp_path / "output", env=WIDE)
    assert result.returncode == 0, result.stderr
    assert "PLACEHOLDER" not in result.stdout + result.stderr


# ---- Settings errors name the key ----


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            (("states", "california", "lookup_url"), "search.dca.ca.gov"),
            'PRACTICE["states"]["california"]["lookup_url"]: expected an https:// URL such as '
            "\"https://example.com/\", got 'search.dca.ca.gov'",
        ),
        (
            (("email",), "yasmine(at)example.com"),
            'PRACTICE["email"]: expected an e-mail address such as "hello@example.com"',
        ),
        (
            (("states", "connecticut", "licence"), "004321"),
            'PRACTICE["states"]["connecticut"]["licence"]: unknown key; expected one of:',
        ),
    ],
)
def test_a_malformed_setting_fails_the_build_naming_the_key(tmp_path, edit, message):
    output = tmp_path / "output"
    result = run_build(output, extra=set_practice(practice(edit)))
    assert result.returncode != 0
    assert "Build failed:\nthe PRACTICE settings (pelicanconf.py) have 1 problem:" in result.stderr
    assert f"  - {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (output / "index.html").exists()


def test_an_unknown_prefixed_setting_fails_the_build(tmp_path):
    result = run_build(tmp_path / "output", extra=["--set", "PRACTICE_REFUSE_PLACEHOLDER=true"])
    assert result.returncode != 0
    assert "  - PRACTICE_REFUSE_PLACEHOLDER: unknown setting; expected one of: " in result.stderr


# ---- Across every built page: nothing collected, nothing loaded, nothing leaked ----


def offsite(url, site_url="https://example.org"):
    """True for a URL that leaves the site (absolute, protocol-relative or another scheme)."""
    parts = urlsplit(url)
    leaves = bool(parts.scheme or url.startswith("//"))
    return leaves and not url.startswith(site_url + "/")


def privacy_problems(page):
    """What on a parsed page could collect, load or leak something; [] when nothing."""
    problems = [str(t)[:80] for t in page.find_all("textarea")]
    for form in page.find_all("form"):
        if (form.get("method") or "get").lower() != "get":
            problems.append(f"form posts: {str(form)[:80]}")
        if offsite(form.get("action") or ""):
            problems.append(f"form leaves the site: {form.get('action')}")
        for button in form.select("[formaction]"):
            if offsite(button["formaction"]):
                problems.append(f"button leaves the site: {button['formaction']}")
        if any(b["formmethod"].lower() != "get" for b in form.select("[formmethod]")):
            problems.append("button posts")
    for script in page.find_all("script", src=True):
        if offsite(script["src"]):
            problems.append(f"script from elsewhere: {script['src']}")
    for link in page.find_all(["a", "area", "form"], target=True):
        rel = set(link.get("rel") or [])
        new_context = link["target"].lower() not in ("_self", "_parent", "_top")
        if new_context and not {"noopener", "noreferrer"} <= rel:
            problems.append(f"target={link['target']} without noopener noreferrer: {link}")
    # The reply section and the booking pages never pass on where the reader was.
    for link in page.select("section.reply a[href], article.booking a[href]"):
        external = offsite(link["href"]) and link["href"].startswith("http")
        if external and not {"noopener", "noreferrer"} <= set(link.get("rel") or []):
            problems.append(f"external link without noopener noreferrer: {link}")
    return problems


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<textarea></textarea>", "<textarea>"),
        ('<form method="post" action="/x/"></form>', "form posts"),
        ('<form action="https://forms.example.net/"></form>', "form leaves the site"),
        ('<form action="//forms.example.net/"></form>', "form leaves the site"),
        (
            '<form><button formaction="https://x.net/">Go</button></form>',
            "button leaves the site",
        ),
        ('<form><button formmethod="POST">Go</button></form>', "button posts"),
        ('<script src="https://cdn.example.net/x.js"></script>', "script from elsewhere"),
        ('<a href="/x/" target="_blank" rel="noopener">x</a>', "target=_blank without"),
        ('<a href="https://x.net/" target="new">x</a>', "target=new without"),
        (
            '<article class="booking"><a href="https://x.net/">x</a></article>',
            "external link without noopener noreferrer",
        ),
    ],
)
def test_the_privacy_check_catches(html, problem):
    problems = privacy_problems(BeautifulSoup(html, "lxml"))
    assert len(problems) == 1
    assert problems[0].startswith(problem), problems


def test_the_privacy_check_allows():
    html = (
        '<form action="/search/"><input name="q"><button formaction="/search/">Go</button></form>'
        '<script src="/theme/js/x.js"></script>'
        '<script src="https://example.org/theme/js/y.js"></script>'
        '<a href="https://x.net/" target="_blank" rel="noopener noreferrer">x</a>'
        '<a href="/x/" target="_self">x</a>'
        '<section class="reply"><a href="tel:988">988</a><a href="/book/">b</a></section>'
    )
    assert privacy_problems(BeautifulSoup(html, "lxml")) == []


@pytest.mark.parametrize("build", ["site", "published_site", "filled_site"])
def test_no_page_collects_loads_or_leaks(build, request):
    output = request.getfixturevalue(build)
    pages = html_pages(output)
    assert {"book/index.html", "book/elsewhere/index.html"} <= {
        str(p.relative_to(output)) for p in pages
    }
    for path in pages:
        assert privacy_problems(parse(path)) == [], path.relative_to(output)
