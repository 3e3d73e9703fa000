"""Read-only CORS: any origin may read /api/, without credentials; nothing else gets CORS."""

import pytest

ORIGIN = "https://clinic.example"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"


@pytest.mark.django_db
class ApiCorsTests:
    @pytest.mark.parametrize(
        "url", ["/api/", "/api/openapi.json", "/api/drugs/", "/api/drugs/methylcobalamin/"]
    )
    def test_any_origin_may_read_without_credentials(self, client, published_drug, url):
        """A GET from another site is allowed for everyone: `*`, never with credentials."""
        response = client.get(url, headers={"origin": ORIGIN})
        assert response.status_code == 200
        assert response[ALLOW_ORIGIN] == "*"
        assert "Access-Control-Allow-Credentials" not in response
        assert "origin" in response["Vary"].lower()

    def test_head_is_allowed_too(self, client, published_drug):
        """HEAD from another site gets the same CORS answer as GET."""
        response = client.head("/api/drugs/", headers={"origin": ORIGIN})
        assert response.status_code == 200
        assert response[ALLOW_ORIGIN] == "*"

    def test_cached_response_gets_the_same_headers(self, client, published_drug):
        """A response served from the page cache is readable cross-origin too."""
        url = "/api/drugs/methylcobalamin/"
        first = client.get(url)
        assert ALLOW_ORIGIN not in first  # no Origin, no CORS answer (and none is cached)
        hit = client.get(url, headers={"origin": ORIGIN})
        assert hit.content == first.content
        assert hit[ALLOW_ORIGIN] == "*"
        revalidated = client.get(url, headers={"origin": ORIGIN, "if-none-match": first["ETag"]})
        assert revalidated.status_code == 304
        assert revalidated[ALLOW_ORIGIN] == "*"

    def test_scripts_may_read_the_validators(self, client, published_drug):
        """ETag is exposed, so a script on another site can revalidate."""
        response = client.get("/api/drugs/", headers={"origin": ORIGIN})
        assert "etag" in response["Access-Control-Expose-Headers"].lower()

    def test_preflight_allows_reading_methods_only(self, client, published_drug):
        """An OPTIONS preflight answers with GET/HEAD/OPTIONS and the conditional headers."""
        response = client.options(
            "/api/drugs/",
            headers={
                "origin": ORIGIN,
                "access-control-request-method": "GET",
                "access-control-request-headers": "if-none-match",
            },
        )
        assert response.status_code == 200
        assert response[ALLOW_ORIGIN] == "*"
        methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
        assert methods == {"GET", "HEAD", "OPTIONS"}
        assert "if-none-match" in response["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in response

    def test_writes_are_refused(self, client, published_drug):
        """The API is read-only: a POST from anywhere is 405."""
        response = client.post("/api/drugs/", headers={"origin": ORIGIN})
        assert response.status_code == 405

    @pytest.mark.parametrize(
        "url", ["/", "/drugs/methylcobalamin/", "/search/?q=b12", "/admin/login/", "/sitemap.xml"]
    )
    def test_no_cors_headers_outside_the_api(self, client, published_drug, url):
        """Pages outside /api/ give no CORS answer, whatever the origin."""
        response = client.get(url, headers={"origin": ORIGIN})
        assert ALLOW_ORIGIN not in response
        preflight = client.options(
            url, headers={"origin": ORIGIN, "access-control-request-method": "GET"}
        )
        assert ALLOW_ORIGIN not in preflight
