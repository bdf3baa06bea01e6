"""A URL that urllib cannot even split ("http://[", an unclosed IPv6 bracket) is a
clear refusal wherever one is read, never a server error (hypothesis found the first)."""
import pytest

from moderation import fields, intake, sites
from moderation.mainsite import webhooks
from moderation.spam import links

BAD = "http://["


def test_intake_refuses_it_by_field():
    with pytest.raises(intake.IntakeError) as refused:
        fields._url("source_url", BAD)
    assert refused.value.field == "source_url"


def test_a_site_origin_refuses_it():
    with pytest.raises(sites.SiteError, match="is not an origin"):
        sites.parse_origins(f"https://news.example {BAD}")


def test_a_webhook_endpoint_refuses_it():
    with pytest.raises(webhooks.WebhookError, match="http or https URL"):
        webhooks.add_endpoint(None, None, BAD, ["item.approved"])


def test_the_links_detector_counts_it_without_a_host():
    assert links.domains(f"see {BAD}::1 and http://example.com/x") == ["", "example.com"]

