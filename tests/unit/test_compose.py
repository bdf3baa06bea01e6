from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_names_every_service_with_a_health_check():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"proxy", "web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    env = services["worker"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and env["CELERY_BROKER_URL"].startswith("redis://")


def test_nginx_buffers_slow_clients_in_front_of_gunicorn():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    proxy, web = compose["services"]["proxy"], compose["services"]["web"]
    assert "ports" not in web and proxy["ports"] == ["8000:80"]  # only nginx faces clients
    assert "./deploy/nginx.conf:" in proxy["volumes"][0]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for directive in ("client_header_timeout", "client_body_timeout", "proxy_request_buffering on",
                      "proxy_cache_revalidate on", "server web:8000"):
        assert directive in conf
    assert compose["x-app"]["environment"]["MODERATION_PROXY_HOPS"] == "1"
