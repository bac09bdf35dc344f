from tests.test_admin import *
def test_dbg(client, max_):
    client.force_login(max_)
    response = client.post(url("project", "add"), {
        "name": "Sommet", "slug": "sommet", "language": "fr", "scheme": default_scheme().pk,
        "overlap": 2, "blind": "on", "auto_accept_unanimous": "on", "description": "", "guidelines": "",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": "rita", "memberships-0-role": Role.REVIEWER,
    })
    print(response.context["adminform"].form.errors, [f.errors for f in response.context["inline_admin_formsets"][0].formset], response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert 0
