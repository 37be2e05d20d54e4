"""Settings come from the environment; production refuses to start without its secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROD_SECRET = "x" * 20 + "-production-secret-for-tests-" + "y" * 20
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'db': s.DATABASES['default']['NAME'], 'cache': s.CACHES['default']['BACKEND'], "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
    "'prefix': s.CACHES['default'].get('KEY_PREFIX')}))"
)


def run_with_env(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=clean, capture_output=True, text=True, timeout=60)


def probe(**env: str) -> dict:
    result = run_with_env(["-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults_need_no_services(tmp_path):
    config = probe(MARQUEE_VAR_DIR=str(tmp_path))
    assert config["debug"] is True
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["db"] == str(tmp_path / "marquee.sqlite3")
    assert config["cache"].endswith("LocMemCache")
    assert config["eager"] is True


def test_environment_selects_postgres_redis_and_a_broker(tmp_path):
    config = probe(
        MARQUEE_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://marquee@db.internal:5432/marquee",
        REDIS_URL="redis://cache.internal:6379/1",
        CELERY_BROKER_URL="amqp://guest:guest@mq.internal:5672//",
    )
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["db"] == "marquee"
    assert config["cache"].endswith("RedisCache")
    assert config["eager"] is False
    assert config["broker"].startswith("amqp://")
    assert config["prefix"] == "marquee"


def test_sites_sharing_one_redis_keep_their_cache_keys_apart(tmp_path):
    shared = {"MARQUEE_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://cache.internal:6379/1"}
    staging = probe(**shared, DATABASE_URL="postgres://marquee@db.internal:5432/marquee_staging")
    assert staging["prefix"] == "marquee_staging"
    assert probe(**shared, DATABASE_URL="postgres://db.internal/shop", CACHE_KEY_PREFIX="blue")["prefix"] == "blue"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_with_env(["-c", PROBE], MARQUEE_VAR_DIR=str(tmp_path), DEBUG="0", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = run_with_env(["-c", PROBE], MARQUEE_VAR_DIR=str(tmp_path), DEBUG="0", SECRET_KEY=PROD_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_deploy_check_is_clean_in_production(tmp_path):
    result = run_with_env(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        MARQUEE_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="marquee.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_malformed_boolean_is_a_clear_error(tmp_path):
    result = run_with_env(["-c", PROBE], MARQUEE_VAR_DIR=str(tmp_path), DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


HTTP_PROBE = (
    "import django, json; django.setup(); from django.test import Client; c = Client(); "
    "h = c.get('/healthz/', HTTP_HOST='marquee.example.com'); "
    "p = c.get('/', HTTP_HOST='marquee.example.com'); "
    "print(json.dumps([h.status_code, h.content.decode(), p.status_code, p.get('Location')]))"
)


def test_production_redirects_to_https_except_the_health_check(tmp_path):
    result = run_with_env(
        ["-c", HTTP_PROBE],
        MARQUEE_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="marquee.example.com",
    )
    assert result.returncode == 0, result.stderr
    health_status, health_body, page_status, page_location = json.loads(result.stdout.strip().splitlines()[-1])
    assert (health_status, health_body) == (200, "ok")
    assert (page_status, page_location) == (301, "https://marquee.example.com/")
