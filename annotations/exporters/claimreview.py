"""ClaimReview JSON-LD (schema.org): one ClaimReview per claim in a streamed @graph."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Record, Writer, claim_text, dump_bytes, no_final_verdict

CONTEXT = "https://schema.org"
BEST_RATING = 5
WORST_RATING = 1

FIELDS: tuple[tuple[str, str], ...] = (
    ("@id, url", "the claim's page in the workbench"),
    ("claimReviewed", "the claim's statement, else its quote"),
    ("itemReviewed", "a Claim: author (a Person: the speaker; when the article itself asserts "
     "the claim, or no speaker is known, the article's author as a Person, else its outlet as an "
     "Organization), "
     "datePublished (the statement's date, else the article's), appearance (the article: url, "
     "headline, publisher), firstAppearance (the same article)"),
    ("reviewRating", "a Rating: ratingValue (the verdict's ClaimReview rating), bestRating 5, "
     "worstRating 1, alternateName (the rating's name in the project's language)"),
    ("author", "the project's organisation, an Organization"),
    ("datePublished", "the release date (YYYY-MM-DD)"),
    ("inLanguage", "the article's language"),
    ("identifier", "the claim's id (as in the native records)"),
)


def rating_name(verdict: dict[str, Any]) -> str:
    """The rating's display name, already chosen in the project's language."""
    return verdict.get("claimreview_name") or verdict["name"]


class ClaimReviewWriter(Writer):
    """`{"@context": "https://schema.org", "@graph": [ClaimReview, …]}`, one item at a time.

    Claims whose verdict has no ClaimReview rating are left out and counted.
    """

    format: ClassVar[str] = "claimreview"
    suffix: ClassVar[str] = "-claimreview.jsonld"
    media_type: ClassVar[str] = "application/ld+json"
    description: ClassVar[str] = "ClaimReview JSON-LD (schema.org), one ClaimReview per claim"

    def refuse(self, record: Record) -> str:
        if no_final_verdict(record):
            return "no final verdict"
        if record["verdict"].get("claimreview_rating") is None:
            return f"verdict '{record['verdict']['code']}' has no ClaimReview rating"
        return ""

    def _claim_author(self, record: Record) -> dict[str, Any]:
        article = record["article"]
        # The article's own voice is its byline or its publisher, never a person named after
        # the speaker field (which then holds the author or the outlet's name).
        if record.get("speaker") and not record.get("asserted_by_article"):
            return {"@type": "Person", "name": record["speaker"]}
        if article.get("author"):
            return {"@type": "Person", "name": article["author"]}
        return {"@type": "Organization", "name": article.get("outlet") or ""}

    def emit(self, record: Record) -> None:
        article = record["article"]
        verdict = record["verdict"]
        url = self.context.claim_url(record)
        appearance: dict[str, Any] = {"@type": "CreativeWork", "headline": article.get("title") or ""}
        if article.get("url"):
            appearance["url"] = article["url"]
        if article.get("outlet"):
            appearance["publisher"] = {"@type": "Organization", "name": article["outlet"]}
        if article.get("published_on"):
            appearance["datePublished"] = article["published_on"]
        item_reviewed: dict[str, Any] = {
            "@type": "Claim",
            "author": self._claim_author(record),
            "appearance": appearance,
            "firstAppearance": appearance,
        }
        claim_date = record.get("statement_date") or article.get("published_on")
        if claim_date:
            item_reviewed["datePublished"] = claim_date
        review: dict[str, Any] = {"@type": "ClaimReview"}
        if url:  # the service always gives a template; a bare writer may not
            review.update({"@id": url, "url": url})
        review.update({
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
            "author": {"@type": "Organization", "name": self.context.publisher},
            "datePublished": self.context.released_at.date().isoformat(),
            "inLanguage": article.get("language") or self.context.language,
        })
        if self.written == 0:
            head = {"@context": CONTEXT}
            self.out.write(dump_bytes(head)[:-1] + b',"@graph":[\n')
        else:
            self.out.write(b",\n")
        self.out.write(dump_bytes(review))

    def finish(self) -> None:
        if self.written == 0:
            self.out.write(dump_bytes({"@context": CONTEXT, "@graph": []}) + b"\n")
        else:
            self.out.write(b"\n]}\n")
