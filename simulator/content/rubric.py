"""The rubric file format: behaviours, how each is evidenced, scoring anchors and feedback."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from simulator.coding.codes import Code
from simulator.content.scenario import BEHAVIOUR_ID, SLUG, ContentModel, Text

Levels = Annotated[list[float], Field(min_length=2, max_length=2)]
Level = Literal[0, 1, 2]
ByLevel = dict[Level, Text]


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

    kind: Literal["count", "share", "ratio", "early", "followed_up", "absent", "step", "relational"] = Field(
        description="How the evidence becomes a level (see the class description)", examples=["count"])
    codes: list[Code] = Field(default_factory=list, description="The trainee turns that count as evidence",
                              examples=[["open_question"]])
    of: list[Code] = Field(default_factory=list, description="share and ratio: the turns to divide by",
                           examples=[["open_question", "closed_question"]])
    then: list[Code] = Field(default_factory=list, description="followed_up: what the next turn must carry",
                             examples=[["simple_reflection", "complex_reflection"]])
    within: Annotated[int, Field(ge=1, description="early: within this many trainee turns", examples=[3])] = 3
    at_least: Levels | None = Field(None, description="[for level 1, for level 2]", examples=[[1, 3]])
    at_most: Levels | None = Field(None, description="absent: [at most for level 1, at most for level 2]",
                                   examples=[[2, 0]])

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


PlanCheckId = Literal["own_words", "what_matters_most", "smart_step", "stated_confidence", "agreed_review",
                      "support_recorded"]


class PlanEvidence(ContentModel):
    """How the care plan recorded after the conversation bears on a behaviour. When a plan was recorded,
    the behaviour's level is capped by it: 2 if every named check holds, 1 if some do, 0 if none."""

    checks: Annotated[list[PlanCheckId], Field(min_length=1)] = Field(
        description="The plan checks that count: own_words, what_matters_most, smart_step, stated_confidence, "
                    "agreed_review, support_recorded", examples=[["own_words", "what_matters_most"]])


class Behaviour(ContentModel):
    """One behaviour the rubric scores."""

    id: Annotated[str, StringConstraints(pattern=BEHAVIOUR_ID)] = Field(
        description="Short id, starting with a capital letter", examples=["R04"])
    name: Text = Field(description="The behaviour's name", examples=["Ask what matters"])
    unit: Literal["utterance", "event", "global"] = Field(
        description="Counted per turn, done or not, or judged on the whole conversation", examples=["event"])
    definition: Text = Field(description="What counts", examples=["At least one open question about life."])
    evidence: Evidence = Field(description="How it is scored", examples=[
        {"kind": "count", "codes": ["affirm"], "at_least": [1, 2]}])
    anchors: ByLevel = Field(description="What each level (0, 1, 2) looks like",
                             examples=[{0: "Never asks.", 1: "Asks once.", 2: "Asks and follows up."}])
    feedback: ByLevel = Field(description="What the trainee reads at each level",
                              examples=[{0: "Ask what matters.", 1: "Follow the answer.", 2: "Well done."}])
    plan: PlanEvidence | None = Field(None, description="Optional: plan checks that cap the level when a plan "
                                      "was recorded", examples=[{"checks": ["smart_step"]}])
    instead: Text | None = Field(None, description="An example of what to say, for development moments",
                                 examples=["What matters most to you at the moment?"])
    # Bounded so that a sum of weights can never overflow to infinity (and the overall score to NaN).
    weight: Annotated[float, Field(ge=0, le=100, description="How much it counts in the overall score",
                                   examples=[2])] = 1.0

    @model_validator(mode="after")
    def _all_levels(self) -> "Behaviour":
        for name in ("anchors", "feedback"):
            missing = {0, 1, 2} - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} needs text for every level; missing {sorted(missing)}")
        return self


# The MITI summary measures a rubric may set fair and good levels for.
MeasureName = Literal["relational", "percent_complex_reflections", "reflection_question_ratio", "percent_open_questions"]


class Threshold(ContentModel):
    """A MITI summary measure's fair and good levels."""

    fair: float = Field(description="The fair level", examples=[1.0])
    good: float = Field(description="The good level", examples=[2.0])


class Rubric(ContentModel):
    """A whole rubric file."""

    id: Annotated[str, StringConstraints(pattern=SLUG)] = Field(
        description="Unique id (lower case, digits, hyphens)", examples=["what-matters"])
    name: Text = Field(description="Shown with every score", examples=["What matters to you? conversation"])
    version: Text = Field(description="Change it whenever scoring changes", examples=["1.0"])
    behaviours: Annotated[list[Behaviour], Field(min_length=1, description="What is scored", examples=[[{
        "id": "R08", "name": "Affirm", "unit": "utterance", "definition": "Names a specific strength.",
        "evidence": {"kind": "count", "codes": ["affirm"], "at_least": [1, 1]},
        "anchors": {0: "None.", 1: "Generic.", 2: "Specific."},
        "feedback": {0: "Affirm an effort.", 1: "Be specific.", 2: "Well done."}}]])]
    thresholds: dict[MeasureName, Threshold] = Field(
        description="MITI summary measures' fair and good levels",
        examples=[{"reflection_question_ratio": {"fair": 1.0, "good": 2.0}}])
