"""The OpenAPI schema generates and the docs page renders (interfaces.md §3)."""
import json

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_generates_with_tenant_paths(client, world):
    client.force_login(world["platform_admin"])
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    schema = yaml.safe_load(body) if not body.lstrip().startswith("{") else json.loads(body)
    paths = schema["paths"]
    for expected in ("/api/v1/auth/token/", "/api/v1/regions/", "/api/v1/regions/{code}/",
                     "/api/v1/regions/{code}/policies/", "/api/v1/regions/{code}/policies/{year}/",
                     "/api/v1/users/", "/api/v1/users/{id}/"):
        assert expected in paths, expected
    assert "put" in paths["/api/v1/regions/{code}/policies/{year}/"]
    assert "post" in paths["/api/v1/users/"]


def test_schema_as_json(client, world):
    client.force_login(world["platform_admin"])
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/regions/" in json.loads(response.content)["paths"]


def test_schema_generation_has_no_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/users/" in schema["paths"]
    tenant_messages = [m for m in list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
                       if "tenants" in str(m) or "Region" in str(m) or "User" in str(m)]
    assert tenant_messages == []


def test_docs_page_renders(client, world):
    client.force_login(world["platform_admin"])
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
