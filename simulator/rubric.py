"""The rubric file format: behaviours, how each is evidenced, scoring anchors and feedback."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from simulator.codes import Code
from simulator.scenario import ContentModel, Text

Levels = Annotated[list[float], Field(min_length=2, max_length=2)]
ByLevel = dict[Literal[0, 1, 2], Text]


class Evidence(ContentModel):
    """Which turns evidence a behaviour and how they turn into a level of 0, 1 or 2.

    kind:
      count        trainee turns carrying any of `codes`; level by `at_least`
      share        those turns as a share of turns carrying any of `of`; level by `at_least` (0 to 1)
      ratio        turns with `codes` divided by turns with `of`; level by `at_least`
      early        2 if one of `codes` comes within the first `within` trainee turns, 1 if later, else 0
      followed_up  2 if a turn with `codes` is followed by a trainee turn with one of `then`, 1 if not
      absent       fewer is better: 2 if at most `at_most[1]` turns carry `codes`, 1 if at most `at_most[0]`
      step         distinct SMART elements (what, where, when, how much, start) named in turns with
                   `codes`; level by `at_least`
      relational   the estimated relational global (1 to 5); level by `at_least`
    """

    kind: Literal["count", "share", "ratio", "early", "followed_up", "absent", "step", "relational"]
    codes: list[Code] = Field(default_factory=list)
    of: list[Code] = Field(default_factory=list)
    then: list[Code] = Field(default_factory=list)
    within: Annotated[int, Field(ge=1)] = 3
    at_least: Levels | None = None
    at_most: Levels | None = None

    @model_validator(mode="after")
    def _complete(self) -> "Evidence":
        needs_levels = {"count", "share", "ratio", "step", "relational"}
        if self.kind in needs_levels and self.at_least is None:
            raise ValueError(f"a '{self.kind}' evidence needs 'at_least: [for level 1, for level 2]'")
        if self.kind == "absent" and self.at_most is None:
            raise ValueError("an 'absent' evidence needs 'at_most: [for level 1, for level 2]'")
        if self.kind in {"share", "ratio"} and not self.of:
            raise ValueError(f"a '{self.kind}' evidence needs 'of:' codes to divide by")
        if self.kind == "followed_up" and not self.then:
            raise ValueError("a 'followed_up' evidence needs 'then:' codes")
        if self.kind != "relational" and not self.codes:
            raise ValueError(f"a '{self.kind}' evidence needs 'codes:'")
        return self


class Behaviour(ContentModel):
    """One behaviour the rubric scores."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9-]*$")]
    name: Text
    unit: Literal["utterance", "event", "global"]
    definition: Text
    evidence: Evidence
    anchors: ByLevel = Field(description="What each level (0, 1, 2) looks like")
    feedback: ByLevel = Field(description="What the trainee reads at each level")
    instead: Text | None = Field(None, description="An example of what to say, for development moments")
    weight: Annotated[float, Field(ge=0)] = 1.0

    @model_validator(mode="after")
    def _all_levels(self) -> "Behaviour":
        for name in ("anchors", "feedback"):
            missing = {0, 1, 2} - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} needs text for every level; missing {sorted(missing)}")
        return self


class Threshold(ContentModel):
    """A MITI summary measure's fair and good levels."""

    fair: float
    good: float


class Rubric(ContentModel):
    """A whole rubric file."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Text
    version: Text
    behaviours: Annotated[list[Behaviour], Field(min_length=1)]
    thresholds: dict[Literal["relational", "percent_complex_reflections", "reflection_question_ratio",
                             "percent_open_questions"], Threshold]
