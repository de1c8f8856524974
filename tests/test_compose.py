"""docker-compose.yml is a valid Compose file and keeps the production stack's promises.

The schema is the official Compose Specification JSON schema, vendored in tests/data (see its README), so the
check needs neither Docker nor the network. No database either: these tests only read files.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose-spec.json"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "config" / "settings.py"

APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING_APP_SERVICES = ("web", "worker", "beat")
OWNER_ROLE = "tessera_owner"


@pytest.fixture(autouse=True)
def _isolated_test_state():
    """Replace conftest.py's autouse fixture of this name for this module: it clears the cache, which with the
    default database cache would need the database that these file-only tests neither have nor need."""
    yield


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def test_compose_file_matches_the_compose_specification():
    # given
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    compose = load_compose()

    # when
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda error: error.path)

    # then
    assert [f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors] == []


def test_every_app_service_runs_the_same_image_with_the_env_file():
    # given
    services = load_compose()["services"]

    # when
    images = {(services[name].get("image"), json.dumps(services[name].get("build"))) for name in APP_SERVICES}

    # then
    assert len(images) == 1, images
    image, build = images.pop()
    assert image and json.loads(build)["dockerfile"] == "config/docker/Dockerfile"
    assert (ROOT / "config" / "docker" / "Dockerfile").is_file()
    for name in APP_SERVICES:
        assert services[name]["env_file"] in (".env", [".env"]), name


def test_there_is_exactly_one_beat():
    # given
    beat = load_compose()["services"]["beat"]

    # when
    replicas = beat.get("deploy", {}).get("replicas", 1)

    # then
    assert replicas == 1
    assert beat.get("scale", 1) == 1
    assert beat["command"][:4] == ["celery", "-A", "config", "beat"]


def test_web_has_a_healthcheck_on_healthz():
    # given
    web = load_compose()["services"]["web"]

    # when
    healthcheck = web.get("healthcheck", {})

    # then
    assert not healthcheck.get("disable", False)
    assert "/healthz" in " ".join(healthcheck["test"])
    assert web["command"][:2] == ["gunicorn", "config.wsgi"]


def test_postgres_mounts_the_init_script():
    # given
    postgres = load_compose()["services"]["postgres"]

    # when
    mounts = [volume.split(":") for volume in postgres["volumes"] if isinstance(volume, str)]
    init_scripts = [source for source, target, *_ in mounts if target.startswith("/docker-entrypoint-initdb.d/")]

    # then
    assert init_scripts == ["./config/docker/postgres-init.sh"]
    assert (ROOT / init_scripts[0]).is_file()
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_migrate_runs_before_web_worker_and_beat():
    # given
    services = load_compose()["services"]

    # when
    conditions = {
        name: services[name]["depends_on"].get("migrate", {}).get("condition") for name in LONG_RUNNING_APP_SERVICES
    }

    # then
    assert conditions == dict.fromkeys(LONG_RUNNING_APP_SERVICES, "service_completed_successfully")
    assert services["migrate"].get("restart", "no") == "no"
    assert "manage.py migrate" in " ".join(services["migrate"]["command"])
    assert "createcachetable" in " ".join(services["migrate"]["command"])


def test_only_migrate_connects_as_the_owner_role():
    # given
    services = load_compose()["services"]
    example = env_example()

    # when
    migrate_url = environment_of(services["migrate"])["DATABASE_URL"]
    app_environments = {name: environment_of(services[name]) for name in LONG_RUNNING_APP_SERVICES}

    # then the migrate job gets the owner's URL, and .env (which all app services load) the application role's
    assert "${MIGRATION_DATABASE_URL" in migrate_url
    assert example["MIGRATION_DATABASE_URL"].startswith(f"postgres://{OWNER_ROLE}:")
    assert example["DATABASE_URL"].startswith("postgres://tessera_app:")
    # and the long-running services neither override DATABASE_URL nor keep the owner's credentials
    for name, environment in app_environments.items():
        assert "DATABASE_URL" not in environment, name
        assert OWNER_ROLE not in json.dumps(environment), name
        assert environment.get("MIGRATION_DATABASE_URL") == "", name
        assert environment.get("TESSERA_OWNER_PASSWORD") == "", name


def test_env_example_documents_every_variable_settings_and_compose_read():
    # given
    tree = ast.parse(SETTINGS.read_text())
    read_by_settings = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and (
            (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "env"
            )
            or (isinstance(node.func, ast.Name) and node.func.id == "env")
        )
    }
    interpolated_by_compose = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE_FILE.read_text()))

    # when
    documented = set(env_example())

    # then
    assert "SECRET_KEY" in read_by_settings
    assert read_by_settings - documented == set()
    assert interpolated_by_compose - documented == set()
