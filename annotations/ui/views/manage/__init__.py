"""The manager's pages: projects, members, imports, jobs, suggestions, progress and releases."""
