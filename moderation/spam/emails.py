"""The author's email: a throwaway address from a disposable-mail service (the
maintained list of the disposable-email-domains package), or a plus-alias, which lets
one mailbox look like many authors."""
from disposable_email_domains import blocklist

from moderation.spam.signals import Sample, Signal


def check(sample: Sample) -> list[Signal]:
    local, _, domain = sample.author_email.strip().lower().rpartition("@")
    if not local:
        return []
    signals = []
    if domain in blocklist or domain.split(".", 1)[-1] in blocklist:
        signals.append(Signal("disposable_email", 0.4, f"{domain} hands out throwaway addresses"))
    if "+" in local:
        signals.append(Signal("plus_alias", 0.1, f"address with a +tag ({local.split('+')[0]}+…)"))
    return signals
