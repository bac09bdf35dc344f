"""Web UI routes: the manage area (projects, members, imports, jobs, suggestions, progress, releases)."""

from django.urls import path

from ..views.manage import archives as manage_archives
from ..views.manage import insight, jobs, people, projects, releases, schemes

urlpatterns: list = [
    path("projects/new/", projects.project_create_view, name="project_create"),
    path("projects/import/", manage_archives.project_import, name="project_import"),
    path("p/<slug:slug>/settings/", projects.project_settings, name="project_settings"),
    path("p/<slug:slug>/settings/preview/", projects.guidelines_preview, name="guidelines_preview"),
    path("p/<slug:slug>/archive/", manage_archives.project_archive, name="project_archive"),
    path("p/<slug:slug>/members/", projects.members, name="members"),
    path("p/<slug:slug>/members/remove/", projects.member_remove, name="member_remove"),
    path("p/<slug:slug>/members/new/", people.person_new, name="person_new"),
    path("p/<slug:slug>/scheme/", schemes.scheme_edit, name="scheme_edit"),
    path("p/<slug:slug>/import/", jobs.import_articles, name="import"),
    path("p/<slug:slug>/jobs/", jobs.jobs, name="jobs"),
    path("p/<slug:slug>/jobs/suggest/", jobs.suggest_start, name="suggest_start"),
    path("p/<slug:slug>/jobs/retrain/", jobs.retrain_start, name="retrain_start"),
    path("jobs/<int:job_id>/", jobs.job_detail, name="job"),
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/cancel/", jobs.job_cancel_view, name="job_cancel"),
    path("jobs/<int:job_id>/retry/", jobs.job_retry_view, name="job_retry"),
    path("p/<slug:slug>/suggestions/", insight.suggestions, name="suggestions"),
    path("p/<slug:slug>/progress/", insight.progress, name="progress"),
    path("p/<slug:slug>/releases/", releases.releases, name="releases"),
    path("releases/<int:release_id>/", releases.release_detail, name="release"),
    path("releases/<int:release_id>/delete/", releases.release_delete_view, name="release_delete"),
    path("releases/files/<int:file_id>/download/", releases.release_download, name="release_download"),
]
