"""Read paths: each fetches and authorises in one call, for the UI, API, admin and tasks alike.

One module per area; everything is re-exported here so callers import from `annotations.selectors`.
"""

from .core import *  # noqa: F401,F403
from .progress import ProjectOverview, project_overviews  # noqa: F401
