from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_names_every_service_with_a_health_check():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    env = services["worker"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and env["CELERY_BROKER_URL"].startswith("redis://")
