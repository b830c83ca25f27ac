import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from bonnebouffe.accounts.models import AuditLogEntry, User


def test_passwords_are_hashed_with_argon2():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"  # tests
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sign_in_attempts_are_rate_limited(db):
    User.objects.create_user(username="victim", password="the-right-password-123")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/comptes/connexion/", {"username": "victim", "password": "wrong"})
    response = client.post(
        "/comptes/connexion/", {"username": "victim", "password": "the-right-password-123"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_good_password_signs_in(db):
    User.objects.create_user(username="someone", password="the-right-password-123")
    client = Client()
    response = client.post(
        "/comptes/connexion/", {"username": "someone", "password": "the-right-password-123"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_demo_accounts_are_listed_only_in_demo_mode(db, settings):
    settings.DEMO_MODE = True
    assert "admin.reseau" in Client().get("/comptes/connexion/").content.decode()
    settings.DEMO_MODE = False
    assert "admin.reseau" not in Client().get("/comptes/connexion/").content.decode()


def test_reading_a_household_is_written_to_the_audit_log(tiny_network):
    client = tiny_network.client("agency_a1")
    assert client.get(f"/menages/{tiny_network.household.pk}/").status_code == 200
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_id) == (
        tiny_network.users["agency_a1"],
        "view",
        str(tiny_network.household.pk),
    )
    client.get(f"/api/households/{tiny_network.household.pk}")
    assert AuditLogEntry.objects.filter(channel="api", action="export").count() == 1


def test_other_agencies_cannot_read_a_household_and_nothing_is_logged(tiny_network):
    client = tiny_network.client("agency_a3")
    assert client.get(f"/menages/{tiny_network.household.pk}/").status_code == 404
    assert client.get(f"/api/households/{tiny_network.household.pk}").status_code == 404
    assert not AuditLogEntry.objects.exists()


def test_a_household_sees_only_itself_and_can_download_its_data(tiny_network):
    client = tiny_network.client("household")
    response = client.get("/menages/")
    assert response.status_code == 302 and response.url.endswith(f"/{tiny_network.household.pk}/")
    data = client.get(f"/menages/{tiny_network.household.pk}/donnees.json").json()
    assert data["reference"] == "M-1" and data["email"] == "m1@example.org"
    assert client.get(f"/menages/{tiny_network.other_household.pk}/").status_code == 404


@pytest.mark.parametrize("username", ["coord_r", "donor", "evaluator"])
def test_roles_without_need_cannot_read_households(tiny_network, username):
    client = tiny_network.client(username)
    assert client.get(f"/menages/{tiny_network.household.pk}/").status_code == 404


def test_only_administrators_read_the_audit_log(tiny_network):
    assert tiny_network.client("admin").get("/comptes/journal/").status_code == 200
    assert tiny_network.client("coord_r").get("/comptes/journal/").status_code == 403


def _run_check_deploy(secret: str) -> subprocess.CompletedProcess[str]:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process (for the
    # live server); a production process never has it, so the child must not inherit it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "bonnebouffe.example.org",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warning():
    result = _run_check_deploy("x" * 20 + "-a-long-random-production-secret-key-0123456789")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr


def test_production_settings_refuse_the_development_key():
    from config.settings.base import DEV_SECRET_KEY

    result = _run_check_deploy(DEV_SECRET_KEY)
    assert result.returncode != 0
    assert "development key is refused" in result.stderr
