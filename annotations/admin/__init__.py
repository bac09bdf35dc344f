"""The Django admin for reviewers and managers, scoped by their roles in each project.

Importing the modules registers their ModelAdmins with the default admin site.
"""

from . import claims, corpus, graph, jobs, learning, projects  # noqa: F401
