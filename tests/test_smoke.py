def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Coordinator login" in response.data


def test_coordinator_logs_in(client, login, tbilisi_coordinator):
    login(tbilisi_coordinator)
    assert client.get("/dashboard/").status_code == 200
