"""ClaimReview JSON-LD (schema.org) in a DataFeed, as fact-check feeds publish it.

The shape is that of the Google Fact Check Markup Tool's and Data Commons' feeds: one DataFeed
with its `sdPublisher` and `sdLicense`, and one DataFeedItem per claim holding its ClaimReview.
Each review's `url` is the public page of the published fact check (the project's public
address), and its date is the decision's, so a review keeps its date in every release.
"""

from __future__ import annotations

from typing import Any, BinaryIO, ClassVar
from urllib.parse import urlsplit

from .base import Record, ReleaseContext, Writer, claim_text, dump_bytes, no_final_verdict
from .licences import licence_of

CONTEXT = "https://schema.org"
BEST_RATING = 5
WORST_RATING = 1

FIELDS: tuple[tuple[str, str], ...] = (
    ("DataFeed", "the feed: name, url (the project's public address), dateModified (the release "
     "date), sdPublisher and sdLicense (the release's licence), and dataFeedElement[], one "
     "DataFeedItem per claim (dateCreated: the decision's date, url, item: [the ClaimReview])"),
    ("@id, url", "the published fact check's public page (the project's public address and the "
     "claim's id)"),
    ("claimReviewed", "the claim's statement, else its quote"),
    ("itemReviewed", "a Claim: author (the speaker as a Person; when the article itself asserts "
     "the claim, or no speaker is known, the article's author as a Person, else its outlet as an "
     "Organization), datePublished (the statement's date, else the article's), appearance (the "
     "article: url, headline, publisher), firstAppearance (the same article)"),
    ("reviewRating", "a Rating: ratingValue (the verdict's ClaimReview rating), bestRating 5, "
     "worstRating 1, alternateName (the rating's name in the project's language)"),
    ("author", "the project's organisation, an Organization (with the public site's address)"),
    ("datePublished", "the date the final verdict was decided (YYYY-MM-DD)"),
    ("inLanguage", "the article's language"),
    ("identifier", "the claim's id (as in the native records)"),
)


def rating_name(verdict: dict[str, Any]) -> str:
    """The rating's display name, already chosen in the project's language."""
    return verdict.get("claimreview_name") or verdict["name"]


def claim_author(record: Record) -> dict[str, Any]:
    """Who made the claim, as schema.org: a Person, or the outlet as an Organization."""
    article = record["article"]
    # The article's own voice is its byline or its publisher, never a person named after the
    # speaker field (which then holds the author or the outlet's name).
    if record.get("speaker") and not record.get("asserted_by_article"):
        return {"@type": "Person", "name": record["speaker"]}
    if article.get("author"):
        return {"@type": "Person", "name": article["author"]}
    return {"@type": "Organization", "name": article.get("outlet") or ""}


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


class ClaimReviewWriter(Writer):
    """One DataFeed written item by item; claims whose verdict has no rating are left out.

    Needs the project's public address (the context's review_url_template): a review's `url` is
    what fact-check readers and search engines follow, so it must not be a login page.
    """

    format: ClassVar[str] = "claimreview"
    suffix: ClassVar[str] = "-claimreview.jsonld"
    media_type: ClassVar[str] = "application/ld+json"
    description: ClassVar[str] = "ClaimReview JSON-LD (schema.org) in a DataFeed, one review per claim"

    def __init__(self, out: BinaryIO, context: ReleaseContext) -> None:
        if not context.review_url_template:
            raise ValueError("ClaimReview needs the public address of the project's fact checks")
        super().__init__(out, context)
        self._site = _site(context.review_url_template)
        licence = licence_of(context.licence)
        self._licence = licence.url if licence else context.licence
        self._publisher: dict[str, Any] = {"@type": "Organization", "name": context.publisher}
        if self._site:
            self._publisher["url"] = self._site

    def refuse(self, record: Record) -> str:
        if no_final_verdict(record):
            return "no final verdict"
        if record["verdict"].get("claimreview_rating") is None:
            return f"verdict '{record['verdict']['code']}' has no ClaimReview rating"
        return ""

    def _head(self) -> bytes:
        feed: dict[str, Any] = {
            "@context": CONTEXT,
            "@type": "DataFeed",
            "name": f"{self.context.project_name} — fact checks, release {self.context.version}",
            "url": self._site or None,
            "dateModified": self.context.released_at.isoformat(),
            "inLanguage": self.context.language or None,
            "sdPublisher": self._publisher,
            "sdLicense": self._licence or None,
        }
        head = dump_bytes({k: v for k, v in feed.items() if v is not None})
        return head[:-1] + b',"dataFeedElement":['

    def emit(self, record: Record) -> None:
        article = record["article"]
        verdict = record["verdict"]
        url = self.context.review_url(record)
        decided = ((record.get("adjudication") or {}).get("decided_at") or "")[:10] or None
        appearance: dict[str, Any] = {"@type": "CreativeWork", "headline": article.get("title") or ""}
        if article.get("url"):
            appearance["url"] = article["url"]
        if article.get("outlet"):
            appearance["publisher"] = {"@type": "Organization", "name": article["outlet"]}
        if article.get("published_on"):
            appearance["datePublished"] = article["published_on"]
        item_reviewed: dict[str, Any] = {
            "@type": "Claim",
            "author": claim_author(record),
            "appearance": appearance,
            "firstAppearance": appearance,
        }
        claim_date = record.get("statement_date") or article.get("published_on")
        if claim_date:
            item_reviewed["datePublished"] = claim_date
        review: dict[str, Any] = {
            "@type": "ClaimReview",
            "@id": url,
            "url": url,
            "identifier": str(record["id"]),
            "claimReviewed": claim_text(record),
            "itemReviewed": item_reviewed,
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": verdict["claimreview_rating"],
                "bestRating": BEST_RATING,
                "worstRating": WORST_RATING,
                "alternateName": rating_name(verdict),
            },
            "author": self._publisher,
            "inLanguage": article.get("language") or self.context.language,
        }
        element: dict[str, Any] = {"@type": "DataFeedItem", "url": url, "item": [review]}
        if decided:
            review["datePublished"] = element["dateCreated"] = decided
        self.out.write((self._head() + b"\n" if self.written == 0 else b",\n") + dump_bytes(element))

    def finish(self) -> None:
        if self.written == 0:
            self.out.write(self._head())
        self.out.write(b"\n]}\n")
