"""The scenario file format: who the patient is, what they know, and how they say it."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from simulator.codes import INVITING, Code

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Lines = Annotated[list[Text], Field(min_length=1)]
Level = Annotated[float, Field(ge=0.0, le=1.0)]


class ContentModel(BaseModel):
    """Base for file models: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Persona(ContentModel):
    """The patient as the trainee meets them (the persona card shows all of this)."""

    name: Text
    age: Annotated[int, Field(ge=16, le=110)]
    occupation: Text | None = None
    conditions: Annotated[list[Text], Field(min_length=1)]
    activation: Annotated[int, Field(ge=1, le=4, description="Patient activation level, 1 (passive) to 4")]
    life_context: Text
    opening_line: Text


class Fact(ContentModel):
    """Something the patient knows about their own life. Free facts are shared when invited."""

    id: Slug
    summary: Text = Field(description="What the fact is, in the trainer's words; shown in feedback")
    text: Text = Field(description="How the patient says it when they open up about it")
    brief: Text | None = Field(None, description="A short answer to a closed question on this topic")
    topics: list[Text] = Field(default_factory=list, description="Words that point the conversation at it")


class Release(ContentModel):
    """One way a hidden fact can come out: every requirement here must hold at once."""

    needs: dict[Code, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict, description="Codes the trainee must have used at least this often so far"
    )
    trust: Level = Field(0.0, description="Trust the patient must feel, 0 to 1")
    after: list[Slug] = Field(default_factory=list, description="Facts that must have come out first")
    cued: bool = Field(False, description="The patient must have hinted at it (its cue) first")
    on: list[Code] = Field(
        default_factory=lambda: sorted(INVITING),
        description="The trainee's current turn must carry one of these codes",
    )


class HiddenFact(Fact):
    """Something the patient keeps back until the trainee's behaviour earns it."""

    priority: bool = Field(False, description="The hidden priority: what matters most to this person")
    cue: Text | None = Field(None, description="A hint the patient drops once while still guarded")
    release: Annotated[list[Release], Field(min_length=1)]


class Resistance(ContentModel):
    """How guarded the patient is at the start and what moves it."""

    level: Level = Field(description="Starting resistance, 0 (none) to 1 (very guarded)")
    trust: Level = Field(0.3, description="Starting trust, 0 to 1")
    note: Text | None = Field(None, description="How the resistance sounds, for trainers")
    hardens: list[Code] = Field(default_factory=list, description="Codes this person reacts to more strongly")
    softens: list[Code] = Field(default_factory=list, description="Codes that win this person over faster")


class ReplyLines(ContentModel):
    """Authored lines for each reply intent; the engine picks one it has not used recently."""

    answer_brief: Lines
    open_up: Lines
    deflect: Lines
    resist: Lines
    agree: Lines
    acknowledge: Lines
    unsure: Lines
    closing: Lines


class Scenario(ContentModel):
    """A whole scenario file."""

    id: Slug
    title: Text
    archetype: Text | None = None
    difficulty: Literal["introductory", "intermediate", "advanced"]
    summary: Text = Field(description="One or two sentences for the scenario picker")
    persona: Persona
    results_letter: Text
    free_facts: Annotated[list[Fact], Field(min_length=1)]
    hidden_facts: Annotated[list[HiddenFact], Field(min_length=1)]
    resistance: Resistance
    lines: ReplyLines

    @property
    def priority(self) -> HiddenFact | None:
        """The hidden priority, if the file marks one."""
        return next((fact for fact in self.hidden_facts if fact.priority), None)
