"""The default verdict scheme every new project gets unless it defines its own."""

from django.db import migrations

# code, name, hotkey, colour, FEVER, AVeriTeC, ClaimReview rating, name (en), name (fr), description
DEFAULT_VERDICTS = [
    ("supported", "Supported", "1", "#2e7d32", "SUPPORTS", "Supported", 5, "True", "Vrai",
     "The evidence shows the claim is accurate."),
    ("refuted", "Refuted", "2", "#c62828", "REFUTES", "Refuted", 1, "False", "Faux",
     "The evidence shows the claim is false."),
    ("misleading", "Misleading (cherry-picking)", "3", "#ef6c00", "",
     "Conflicting Evidence/Cherrypicking", 2, "Misleading", "Trompeur",
     "Technically accurate in part but selected or framed to mislead."),
    ("conflicting", "Conflicting evidence", "4", "#8e24aa", "NOT ENOUGH INFO",
     "Conflicting Evidence/Cherrypicking", 3, "Mixed", "Contrasté",
     "Credible evidence both supports and refutes the claim."),
    ("not_enough_evidence", "Not enough evidence", "5", "#546e7a", "NOT ENOUGH INFO",
     "Not Enough Evidence", 3, "Unproven", "Non prouvé",
     "No evidence found that settles the claim either way."),
    ("not_checkable", "Not a checkable claim", "6", "#9e9e9e", "", "", None,
     "Not a checkable claim", "Affirmation invérifiable",
     "Opinion, prediction or otherwise not a factual claim; marks a mistaken claim span."),
]


def create_default_scheme(apps, schema_editor) -> None:
    VerdictScheme = apps.get_model("annotations", "VerdictScheme")
    Verdict = apps.get_model("annotations", "Verdict")
    scheme, _ = VerdictScheme.objects.get_or_create(
        slug="default",
        defaults={
            "name": "Default verdicts",
            "description": "Six verdicts mapped to FEVER, AVeriTeC and ClaimReview ratings.",
            "is_default": True,
        },
    )
    for order, row in enumerate(DEFAULT_VERDICTS):
        code, name, hotkey, colour, fever, averitec, rating, alt_en, alt_fr, description = row
        Verdict.objects.update_or_create(
            scheme=scheme,
            code=code,
            defaults={
                "name": name,
                "hotkey": hotkey,
                "colour": colour,
                "order": order,
                "fever_label": fever,
                "averitec_label": averitec,
                "claimreview_rating": rating,
                "claimreview_name_en": alt_en,
                "claimreview_name_fr": alt_fr,
                "description": description,
            },
        )


def remove_default_scheme(apps, schema_editor) -> None:
    apps.get_model("annotations", "VerdictScheme").objects.filter(slug="default").delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0002_integrity_triggers")]
    operations = [migrations.RunPython(create_default_scheme, remove_default_scheme)]
