"""The user's file name is what the job shows, also when the same name was uploaded before."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import Job

pytestmark = pytest.mark.django_db


def test_uploading_small_jsonl_twice_shows_small_jsonl_both_times(project, max_, client_for, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = client_for(max_)
    pages = []
    for body in (b'{"title": "A", "body": "Un texte."}\n', b'{"title": "B", "body": "Un autre texte."}\n'):
        client.post(reverse("ui:import", args=[project.slug]),
                    {"file": SimpleUploadedFile("small.jsonl", body)})
        job = Job.objects.latest("pk")
        assert job.input_file.name.endswith("/small.jsonl"), job.input_file.name
        pages.append(client.get(reverse("ui:job", args=[job.pk])).content.decode())
    first, second = Job.objects.order_by("pk")
    assert first.input_file.name != second.input_file.name  # both kept, each in its job's folder
    for page in pages:
        assert "<dd>small.jsonl</dd>" in page
