"""A site's toxicity policy: the keys it keeps in Site.policy, their defaults, and how
the admin form sets them.

The defaults come from the research's threshold table (README "Toxicity"): at 0.30 the
detector holds about 9 % of ordinary comments under political news and 92 % of the
explicitly toxic ones; at 0.75 it marks about 1 % of ordinary comments, half of them
explicit insults. The nudge asks only above 0.75, so an ordinary reader rarely sees it."""
from collections.abc import Mapping

from moderation.sites import policy_keys

DEFAULTS = {
    # At or above: the item waits in `pending`, even where auto-approve would publish it.
    "toxicity_hold_above": 0.30,
    # At or above: marked "likely reject" in the queue and on the item page (never
    # rejected by itself: about half of such comments are borderline).
    "toxicity_likely_reject_above": 0.75,
    # Ask a reader to reconsider a comment or submission scoring at or above this,
    # once, before it is stored.
    "toxicity_nudge": True,
    "toxicity_nudge_above": 0.75,
}
THRESHOLDS = ("toxicity_hold_above", "toxicity_likely_reject_above", "toxicity_nudge_above")


def of(site_policy: Mapping | None) -> dict:
    """The site's toxicity keys, defaults filled in."""
    return policy_keys(DEFAULTS, site_policy)


def parse(form: Mapping) -> dict:
    """The toxicity keys of the admin's policy form ({} when the form has none of them);
    raises ValueError naming a bad one."""
    if not any(name in form for name in DEFAULTS):
        return {}
    found = {}
    for name in THRESHOLDS:
        try:
            value = float(form.get(name, DEFAULTS[name]))
        except ValueError:
            value = -1.0
        if not 0 < value <= 1:
            raise ValueError(f"{name.replace('_', ' ')} must be between 0 and 1")
        found[name] = value
    found["toxicity_nudge"] = form.get("toxicity_nudge") == "1"
    return found


def likely_reject(toxicity: float | None, site_policy: Mapping | None) -> bool:
    return toxicity is not None and toxicity >= of(site_policy)["toxicity_likely_reject_above"]
