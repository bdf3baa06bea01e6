"""Form behaviour: the hidden honeypot field, and how soon after serving the form the
reader submitted (from a server-signed timestamp, so a bot cannot forge it)."""
from moderation.spam.signals import Sample, Signal

MIN_SECONDS = 3.0


def check(sample: Sample) -> list[Signal]:
    signals = []
    if sample.honeypot.strip():
        signals.append(Signal("honeypot", 0.95, "the hidden field was filled in"))
    if sample.received_at is None:  # offline evaluation: no context, stay neutral
        return signals
    if sample.form_served_at is None:
        return signals + [Signal("form_time", 0.1, "no valid signed form time was sent")]
    seconds = (sample.received_at - sample.form_served_at).total_seconds()
    if seconds < MIN_SECONDS:
        signals.append(Signal("too_fast", 0.6, f"sent {seconds:.1f} s after the form was served"))
    else:
        signals.append(Signal("form_time", 0.0, f"sent {seconds:.0f} s after the form was served"))
    return signals
