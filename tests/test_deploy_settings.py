"""Production settings pass Django's deployment checks and refuse to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "PATH": os.environ["PATH"],
    "SECRET_KEY": "kq3#n@x8v!w2$pz7r^t5y&u1i*o9e(a4s)d6f-g+h=j0l_m-Zb7Qc1Wd9",
    "DATABASE_URL": "postgres://tessera_app:secret@db.internal:5432/tessera",
    "PLATFORM_DATABASE_URL": "postgres://tessera_platform:secret@db.internal:5432/tessera",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "rediscache://redis.internal:6379/1",
    "BASE_DOMAIN": "help.example.com",
    "BEHIND_PROXY": "true",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLXRlc3Qta2V5LTAxMjM0NTY=",
    "MAIL_TRUSTED_AUTHSERV_IDS": "mx.example.com",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_under_production_settings():
    # given production settings from the environment (DEBUG defaults to off)
    # when Django's deployment checklist runs, failing on any warning
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    # then it finds nothing
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_requires_a_trusted_authserv_id_for_inbound_mail():
    # given production settings that name no receiving host to believe about SPF/DKIM/DMARC
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "MAIL_TRUSTED_AUTHSERV_IDS"}
    # when the deployment checklist runs
    result = _manage("check", "--deploy", env=env)
    # then it fails and says what to set
    assert result.returncode != 0
    assert "tickets.E001" in result.stderr and "MAIL_TRUSTED_AUTHSERV_IDS" in result.stderr


def test_production_refuses_to_start_without_its_secrets():
    for missing in ("SECRET_KEY", "DATABASE_URL", "PLATFORM_DATABASE_URL", "FIELD_ENCRYPTION_KEYS"):
        env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
        result = _manage("check", env=env)
        assert result.returncode != 0
        assert f"Set {missing}" in result.stderr


def test_migrations_are_in_step_with_the_models():
    result = _manage(
        "makemigrations",
        "--check",
        "--dry-run",
        env={**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/tessera-makemigrations-check.sqlite3"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_static_files_collect_with_the_production_storage(tmp_path):
    # given the production static storage (hashed names, compressed copies), which follows every url() in CSS
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}
    # when collectstatic runs, as the Dockerfile and `make demo` do
    result = _manage("collectstatic", "--noinput", env=env)
    # then every referenced file exists (a vendored CSS naming a missing source map fails here) and the
    # manifest is written
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_production_refuses_a_field_encryption_key_that_is_not_a_fernet_key():
    result = _manage("check", env={**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": "change-me-to-a-generated-fernet-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key 1 is not a Fernet key" in result.stderr


def test_check_deploy_warns_when_tenant_typed_connections_may_reach_private_networks():
    env = {**PRODUCTION_ENV, "OUTBOUND_ALLOW_PRIVATE_NETWORKS": "true"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "tenancy.W010" in result.stdout + result.stderr
