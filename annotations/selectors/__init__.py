"""Read paths: each fetches and authorises in one call, for the UI, API, admin and tasks alike.

One module per area; everything is re-exported here so callers import from `annotations.selectors`.
"""

from .core import *  # noqa: F401,F403
from .progress import (  # noqa: F401
    AnnotatorProgress, ProjectOverview, ProjectTotals, annotator_progress, article_progress,
    project_articles, project_overview, project_overviews, project_totals,
)
from .assignments import (  # noqa: F401
    QueueCounts, QueueKinds, assignment_current, assignment_get_for_user, assignments_pending,
    queue_counts, queue_kinds,
)
from .review import REVIEW_FILTERS, ClaimReview, ReviewQueue, claim_review, review_next_claim, review_queue  # noqa: F401
from .agreement import project_agreement_report  # noqa: F401
from .manage import SuggestionOverview, project_jobs, project_with_roles, retrain_refusal, suggestion_overview  # noqa: F401
from .releases import (  # noqa: F401
    RELEASE_CHUNK, RELEASE_FORMATS, ReleaseFilters, release_file_get_for_user,
    release_get_for_user, release_record_count, release_records, releases_for_user,
)
from .article_page import article_page_for_user, claim_cluster_for_user, claim_panel_for_user  # noqa: F401
from .search import claims_search  # noqa: F401
from .visibility import Scope, annotation_get_for_user, annotations_listable, claims_listable, evidence_listable, list_scope  # noqa: F401
