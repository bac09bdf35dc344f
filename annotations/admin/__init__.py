"""The Django admin for reviewers and managers, scoped by their roles in each project.

Importing the modules registers their ModelAdmins with the default admin site.
"""

from . import batches, claims, collab, corpus, factchecks, graph, jobs, learning, projects  # noqa: F401
