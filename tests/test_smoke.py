def test_home_renders(client):
    response = client.get("/")
    assert response.status_code == 200


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.get_json() == {"status": "ok", "database": "ok"}
