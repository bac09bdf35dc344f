"""Forms of the admin that a model form alone does not give."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from ..importers.reader import FORMATS, format_for_name, normalise_body
from ..models import Article, Membership
from ..services.imports import import_upload_validator

# A folder exists only on a worker's disk; an upload is one file.
UPLOAD_FORMATS = tuple(f for f in FORMATS if f != "folder")


class UsernameField(forms.ModelChoiceField):
    """A user named by username in a text box: a select of every account would not scale."""

    widget = forms.TextInput
    default_error_messages = {"invalid_choice": "No active user has this username."}

    def __init__(self, **kwargs: Any) -> None:
        users = get_user_model()._default_manager.filter(is_active=True)
        super().__init__(queryset=users, to_field_name="username", **kwargs)


class MembershipForm(forms.ModelForm):
    """A role for a user given by username."""

    user = UsernameField(label="Username")

    class Meta:
        model = Membership
        fields = ("project", "user", "role")


class ArticleForm(forms.ModelForm):
    """Article metadata; the body keeps exactly what was typed, with line endings unified."""

    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            # Browsers send textarea line breaks as CRLF and the default field strips whitespace:
            # either would shift the offsets claims are measured in, so keep the text as typed.
            cast(forms.CharField, self.fields["body"]).strip = False

    def clean_body(self) -> str:
        # Whitespace-only bodies are caught here; the rest is the service's to decide.
        body = normalise_body(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError("An article needs its text.")
        return body


class ImportArticlesForm(forms.Form):
    """An import file and, when its name does not tell, its format."""

    file = forms.FileField(
        help_text="JSON Lines or CSV (one article per line or row), a .txt file (one article) "
        "or a .zip of .txt files; UTF-8. Nothing is imported if any line is bad.",
        validators=[import_upload_validator],
    )
    format = forms.ChoiceField(
        choices=[("", "Tell from the file name")] + [(f, f) for f in UPLOAD_FORMATS],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload = cleaned.get("file")
        if upload is not None and not cleaned.get("format"):
            try:
                detected = format_for_name(upload.name)
            except ValueError as exc:
                self.add_error("file", str(exc))
            else:
                if detected not in UPLOAD_FORMATS:
                    self.add_error("file", "Upload a file, not a folder.")
        return cleaned
