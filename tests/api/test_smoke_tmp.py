import pytest
pytestmark = pytest.mark.django_db

def test_smoke(client_for, anon, work, project, claim):
    for name in ["alice", "rita", "max", "rhea", "charlie"]:
        c = client_for(name)
        for url in ["/api/v1/projects/", "/api/v1/projects/test/", "/api/v1/members/?project=test", "/api/v1/articles/?project=test",
                    "/api/v1/claims/?project=test", "/api/v1/claim-relations/?project=test", "/api/v1/annotations/?project=test",
                    "/api/v1/evidence/?project=test", "/api/v1/adjudications/?project=test", "/api/v1/jobs/?project=test",
                    f"/api/v1/claims/{claim.pk}/", f"/api/v1/annotations/{work['a_alice'].pk}/"]:
            r = c.get(url)
            print(name, url, r.status_code, str(r.content[:150]))
    print(anon.get("/api/v1/claims/").status_code, anon.get("/api/v1/claims/").headers.get("WWW-Authenticate"))
