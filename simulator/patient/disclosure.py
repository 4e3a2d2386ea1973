"""When the patient decides to disclose: release conditions for hidden facts, and cues before them."""

from collections import Counter
from collections.abc import Iterable

from simulator.coding.codes import Code
from simulator.content.scenario import HiddenFact, Release

# A guarded patient hints at something (its cue) once trust is within this much of what disclosure needs.
CUE_MARGIN = 0.2


def condition_met(release: Release, *, counts: Counter[Code], trust: float, released: Iterable[str],
                  cued: bool, turn_codes: frozenset[Code]) -> bool:
    """Whether one release condition holds now, in answer to a turn carrying `turn_codes`."""
    released = set(released)
    return (
        trust >= release.trust
        and all(counts[code] >= needed for code, needed in release.needs.items())
        and all(name in released for name in release.after)
        and (cued or not release.cued)
        and bool(turn_codes & set(release.in_reply_to))
    )


def can_release(fact: HiddenFact, *, counts: Counter[Code], trust: float, released: Iterable[str],
                cued: bool, turn_codes: frozenset[Code]) -> bool:
    """Whether any of the fact's release conditions holds now."""
    released = list(released)
    return any(condition_met(r, counts=counts, trust=trust, released=released, cued=cued,
                             turn_codes=turn_codes) for r in fact.release)


def ready_to_hint(fact: HiddenFact, trust: float) -> bool:
    """Whether the patient, still holding the fact back, is open enough to drop its cue."""
    easiest = min(release.trust for release in fact.release)
    return fact.cue is not None and trust >= easiest - CUE_MARGIN
