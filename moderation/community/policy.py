"""A site's community policy: the keys it keeps in Site.policy, their defaults, and how
the admin form sets them."""
from collections.abc import Mapping

from moderation.sites import policy_keys

DEFAULTS = {
    # Reports whose weights add up to this put a comment in the reported queue; a new
    # reporter's report weighs 0.5 (community/reports.py), so 1.0 is two of them.
    "report_threshold": 1.0,
    # Hide a comment from readers while it waits in the reported queue.
    "hide_reported": False,
    # Close threads this many days after their first comment (0: never by themselves).
    "close_after_days": 0,
    # A verified reader is a regular, auto-approved where the site auto-approves, after
    # this many approved items and none rejected lately.
    "trusted_after": 3,
}


def of(site_policy: Mapping | None) -> dict:
    """The site's community keys, defaults filled in."""
    return policy_keys(DEFAULTS, site_policy)


def parse(form: Mapping) -> dict:
    """The community keys of the admin's policy form ({} when the form has none of them);
    raises ValueError naming a bad one."""
    if not any(name in form for name in DEFAULTS):
        return {}
    found = {"hide_reported": form.get("hide_reported") == "1"}
    for name, low, high, kind in (("report_threshold", 0.1, 100, float),
                                  ("close_after_days", 0, 3650, float),
                                  ("trusted_after", 1, 1000, int)):
        try:
            value = kind(form.get(name, DEFAULTS[name]))
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ValueError(f"{name.replace('_', ' ')} must be a number from {low} to {high}")
        found[name] = value
    return found
