"""Helpers for the accessibility and small-screen browser tests: axe-core and a crawler.

axe-core is vendored (static/vendor/axe/axe.min.js, pinned in package.json): the tests never
download it. It is added to the page by URL, from this site's static files, because the
Content-Security-Policy refuses inline scripts, and `add_script_tag(path=...)` inlines one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse

from demo.trial import DEMO_PASSWORD
from patients.models import Patient, ScreeningOutcome

# The demo trial's accounts, one per role (README "The demo trial"); all share DEMO_PASSWORD.
DEMO_ROLES = ("coord01", "inv01", "mon01", "dm", "sponsor", "stat", "dmc", "pv", "admin")
# A small demo trial: every kind of page has something to show, and it loads in seconds.
DEMO_PATIENTS = 24

# WCAG 2.1 levels A and AA: the rules axe runs, nothing else (no "best practice" rules).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Pages not crawled: the log-out (would end the session), the Django admin and the API
# (their own pages, not ours), and files (figures, CSV, PDF, archives) rather than pages.
SKIPPED_PREFIXES = ("/logout/", "/admin/", "/api/", "/static/", "/media/")
SKIPPED_URL_NAMES = {
    "analysis-figure",
    "analysis-status",
    "safety-table-csv",
    "oversight-consort-download",
    "oversight-report-download",
    "interim-chart",
    "datacuts-download",
    "pharmacovigilance-cioms",
}
# URL arguments that name a different page (a record form's kind, a safety table), as
# opposed to ids of rows shown by the same template: one page per route and such names.
PAGE_KINDS = {"kind_name", "table", "action", "kind", "parameter"}


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page, with the elements that break it."""

    role: str
    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:4]) + (" …" if len(self.targets) > 4 else "")
        return f"[{self.role}] {self.url}: {self.rule} ({self.impact}) {self.help}: {shown}"


# axe-core's run, reduced in the page to what a Violation needs. `resultTypes` spares axe the
# selectors of every passing, inapplicable and incomplete element (it still runs every rule
# on every element): only the violations, a few fields each, cross over to Python.
AXE_RUN = """(tags) => axe.run(document, {
  runOnly: {type: "tag", values: tags},
  resultTypes: ["violations"],
}).then((results) => results.violations.map((found) => ({
  rule: found.id,
  impact: found.impact || "",
  help: found.help,
  targets: found.nodes.map((node) => node.target.map(String).join(" ")),
})))"""


def axe_violations(page, *, role: str) -> list[Violation]:
    """Run axe-core's WCAG 2.1 A and AA rules on the page and return what they find."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=static("vendor/axe/axe.min.js"))
    found = page.evaluate(AXE_RUN, WCAG_21_AA)
    path = urlsplit(page.url)
    url = path.path + (f"?{path.query}" if path.query else "")
    return [
        Violation(
            role=role,
            url=url,
            rule=rule["rule"],
            impact=rule["impact"],
            help=rule["help"],
            targets=tuple(rule["targets"]),
        )
        for rule in found
    ]


def demo_log_in(page, username: str) -> None:
    """Log a demo account in through the log-in page (a fresh tab, no session yet)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")


def submit_empty(page) -> None:
    """Send the page's main form as it stands, past the browser's own checks, so the page
    comes back showing the server's field errors."""
    form = page.locator("main form.crf, main form:has(button[type=submit])").last
    form.evaluate("form => { form.noValidate = true; }")
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()


def url_name(path: str) -> str:
    """Return the name of the URL pattern a crawled path resolved to."""
    return resolve(urlsplit(path).path).url_name or ""


def page_key(url: str) -> tuple | None:
    """Return what makes a URL a distinct page (its route and page kind), or None to skip it."""
    path = urlsplit(url).path
    if path.startswith(SKIPPED_PREFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name in SKIPPED_URL_NAMES:
        return None
    kinds = tuple(sorted((k, str(v)) for k, v in match.kwargs.items() if k in PAGE_KINDS))
    return (match.route, kinds)


# Pages no link leads to: the header's patient search (a GET form) listing several patients.
FORM_PAGES = ("/patients/find/?q=0",)


def randomize_pages() -> list[str]:
    """The randomize page of each patient awaiting it: the crawl opens one patient's page
    (the first linked), which may not be one of theirs."""
    waiting = Patient.objects.filter(
        screening__outcome=ScreeningOutcome.ELIGIBLE, randomization__isnull=True
    ).order_by("study_id")
    return [reverse("randomization-randomize", args=[p.study_id]) for p in waiting]


def crawl(page, *, start: str = "/", also: Sequence[str] = (), limit: int = 80) -> Iterator[str]:
    """Visit every distinct page reachable by links from `start` (then from `also`, pages
    reached by forms), yielding each page's path.

    The caller inspects the page while it is open (the generator waits). Only this site's
    pages are followed, one per route (the first link found), breadth first, up to `limit`.
    """
    origin = ""
    queue = [start, *also]
    seen: set[tuple] = set()
    visited = 0
    while queue and visited < limit:
        href = queue.pop(0)
        key = page_key(href)
        if key is None or key in seen:
            continue
        seen.add(key)
        try:
            response = page.goto(href)
        except Exception as error:  # a download starts instead of a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        origin = urlsplit(page.url).netloc
        visited += 1
        yield href
        for link in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = urlsplit(urldefrag(link)[0])
            if target.netloc != origin:
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
