"""The scenario file format: who the patient is, what they know, and how they say it."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from simulator.coding.codes import INVITING, Code
from simulator.text import describe, first_unsafe


def _printable(text: str) -> str:
    """Refuse text that would act on the terminal it is shown on (see simulator.content.characters)."""
    at = first_unsafe(text)
    if at is not None:
        raise PydanticCustomError(
            "control_character", "holds {character} at character {at}, which could take over the terminal "
            "it is shown on; remove it", {"character": describe(text[at]), "at": at + 1})
    return text


SLUG = r"^[a-z0-9][a-z0-9-]*$"
BEHAVIOUR_ID = r"^[A-Z][A-Za-z0-9-]*$"
# What each id pattern allows, in words: a value that breaks one is reported with these, never the pattern.
ID_RULES: dict[str, str] = {
    SLUG: "lower-case letters (a-z), digits and hyphens, starting with a letter or digit, as in p2-widow-copd",
    BEHAVIOUR_ID: "letters, digits and hyphens, starting with a capital letter, as in R04",
}
Slug = Annotated[str, StringConstraints(pattern=SLUG, max_length=60)]
# Every piece of free text in a content file: it reaches the screen, so it must be printable.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_printable)]
Lines = Annotated[list[Text], Field(min_length=1)]
Level = Annotated[float, Field(ge=0.0, le=1.0)]


class ContentModel(BaseModel):
    """Base for file models: unknown fields are errors, so a typo never passes silently; numbers are
    finite, since a weight of .inf or a threshold of .nan would make every score NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


FACT_EXAMPLE = {"id": "inhalers", "summary": "Unsure how to use the brown inhaler",
                "text": "The brown one, I'm never sure if I'm doing it right.", "topics": ["inhaler"]}


class Persona(ContentModel):
    """The patient as the trainee meets them (the persona card shows all of this)."""

    name: Text = Field(description="The patient's name", examples=["Margaret Ellis"])
    age: Annotated[int, Field(ge=16, le=110, description="Age in years", examples=[71])]
    occupation: Text | None = Field(None, description="Work, or what they did", examples=["Retired school secretary"])
    conditions: Annotated[list[Text], Field(min_length=1, description="Long-term conditions, in plain words",
                                            examples=[["COPD", "Anxiety"]])]
    activation: Annotated[int, Field(ge=1, le=4, description="Patient activation level, 1 (passive) to 4",
                                     examples=[2])]
    life_context: Text = Field(description="Who they live with, what fills their week",
                               examples=["Widowed eight months ago; lives alone; daughter in Leeds."])
    opening_line: Text = Field(description="The first thing the patient says",
                               examples=["Hello, dear. Sorry, I'm a bit puffed."])


class Fact(ContentModel):
    """Something the patient knows about their own life. Free facts are shared when invited."""

    id: Slug = Field(description="A short unique name (lower case, digits, hyphens)", examples=["inhalers"])
    summary: Text = Field(description="What the fact is, in the trainer's words; shown in feedback",
                          examples=["Unsure how to use the brown inhaler"])
    text: Text = Field(description="How the patient says it when they open up about it",
                       examples=["The brown one, I'm never sure if I'm doing it right."])
    brief: Text | None = Field(None, description="A short answer to a closed question on this topic",
                               examples=["Yes, I've got them in my bag."])
    topics: list[Text] = Field(default_factory=list, description="Words that point the conversation at it",
                               examples=[["inhaler", "puffer", "medication"]])
    questions: list[Text] = Field(
        default_factory=list, description="Questions a nurse might ask that this answers, in everyday words; "
        "the patient matches what is asked to these by meaning", examples=[["How are you getting on with your "
                                                                           "inhalers?", "Do you use the brown one?"]])
    after: list[Slug] = Field(default_factory=list, description="Facts the patient must have said first (one that "
                              "names someone they introduce, say)", examples=[["ron"]])


class Release(ContentModel):
    """One way a hidden fact can come out: every requirement here must hold at once."""

    needs: dict[Code, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict, description="Codes the trainee must have used at least this often so far",
        examples=[{"asks_what_matters": 1, "open_question": 2}],
    )
    trust: Level = Field(0.0, description="Trust the patient must feel, 0 to 1", examples=[0.55])
    after: list[Slug] = Field(default_factory=list, description="Facts that must have come out first",
                              examples=[["choir"]])
    cued: bool = Field(False, description="The patient must have hinted at it (its cue) first", examples=[True])
    # Not "on": YAML 1.1 reads a bare `on` as true.
    in_reply_to: list[Code] = Field(
        default_factory=lambda: sorted(INVITING),
        description="The trainee's current turn must carry one of these codes (default: any inviting move)",
        examples=[["complex_reflection", "open_question"]],
    )


class HiddenFact(Fact):
    """Something the patient keeps back until the trainee's behaviour earns it."""

    priority: bool = Field(False, description="The hidden priority: what matters most to this person",
                           examples=[True])
    cue: Text | None = Field(None, description="A hint the patient drops once while still guarded",
                             examples=["I used to be out three nights a week once."])
    release: Annotated[list[Release], Field(
        min_length=1, description="Ways it can come out; any one will do",
        examples=[[{"needs": {"asks_what_matters": 1, "open_question": 3}, "trust": 0.6},
                   {"needs": {"complex_reflection": 1}, "cued": True, "trust": 0.5}]])]


class Resistance(ContentModel):
    """How guarded the patient is at the start and what moves it."""

    level: Level = Field(description="Starting resistance, 0 (none) to 1 (very guarded)", examples=[0.4])
    trust: Level = Field(0.3, description="Starting trust, 0 to 1", examples=[0.3])
    note: Text | None = Field(None, description="How the resistance sounds, for trainers",
                              examples=["'It makes me breathless'; 'I'm too old for that'"])
    hardens: list[Code] = Field(default_factory=list, description="Codes this person reacts to more strongly",
                                examples=[["persuade", "confront"]])
    softens: list[Code] = Field(default_factory=list, description="Codes that win this person over faster",
                                examples=[["emphasising_autonomy"]])


class ReplyLines(ContentModel):
    """Authored lines for each reply intent; the engine picks one it has not used recently."""

    answer_brief: Lines = Field(description="Short answers to closed questions", examples=[["Yes, dear."]])
    open_up: Lines = Field(description="Talking freely when nothing particular is left to share",
                           examples=[["It's been a hard year, that's all."]])
    deflect: Lines = Field(description="Turning a question away while guarded",
                           examples=[["Oh, I'm alright, really."]])
    resist: Lines = Field(description="Pushing back against advice or confrontation",
                          examples=[["I know I should, but it makes me breathless."]])
    agree: Lines = Field(description="Going along with a suggestion or a summary",
                         examples=[["Yes, I could try that."]])
    acknowledge: Lines = Field(description="Taking in information or an affirmation", examples=[["Thank you, dear."]])
    unsure: Lines = Field(description="Not knowing what to say", examples=[["I don't really know."]])
    closing: Lines = Field(description="Goodbye at the end of the consultation",
                           examples=[["Thank you. It's been nice to talk, actually."]])
    permit: list[Text] = Field(default_factory=list, description="Saying yes when the nurse asks to share "
                               "something or offers to (the agree lines when there are none)",
                               examples=[["Go on, then."]])


class Option(ContentModel):
    """Something the nurse might suggest, and how this person takes it."""

    id: Slug = Field(description="A short unique name", examples=["singing-group"])
    summary: Text = Field(description="The option, in the trainer's words", examples=["Singing for Lung Health group"])
    topics: Annotated[list[Text], Field(min_length=1, description="Words that name it when the nurse offers it",
                                        examples=[["singing group", "lung health", "library"]])]
    welcome: bool = Field(description="Whether they would take it up", examples=[True])
    reply: Text = Field(description="How they answer when it is offered", examples=[
        "A singing group for people with chests? I didn't know there was such a thing."])
    step: Text | None = Field(None, description="If they take it up: the step they would do, said in the first "
                              "person (required when welcome is true)", examples=[
                                  "I'll go along to the group at the library on Thursday."])


class Goal(ContentModel):
    """A goal the person would name for themselves when asked about the future."""

    text: Text = Field(description="The goal in their own words", examples=["I'd like to sing again."])
    after: list[Slug] = Field(default_factory=list, description="Facts that must be out first (the goal that "
                              "comes with the hidden priority names it)", examples=[["choir"]])


class Confidence(ContentModel):
    """What lies behind the person's confidence number."""

    why_not_lower: Text = Field(description="Why the number is not lower: what they have going for them",
                                examples=["Because I want to. I miss them."])
    would_raise: Text = Field(description="What would make it higher", examples=[
        "If I knew what to do if I got puffed in the middle of a hymn."])


class Planning(ContentModel):
    """What the patient brings to the planning half of the conversation."""

    trust: Level = Field(0.4, description="Trust they need before they talk about goals and steps, 0 to 1",
                         examples=[0.45])
    goals: Annotated[list[Goal], Field(min_length=1, description="Goals they would name, the most developed "
                                       "last: each is said once its facts are out", examples=[[
                                           {"text": "To manage the stairs without stopping."},
                                           {"text": "I'd like to sing again.", "after": ["choir"]}]])]
    options: list[Option] = Field(default_factory=list, description="What the nurse might suggest, welcome or not",
                                  examples=[[{"id": "singing-group", "summary": "Singing for Lung Health group",
                                              "topics": ["singing group"], "welcome": True,
                                              "reply": "A singing group? I didn't know there was such a thing.",
                                              "step": "I'll go along to the group on Thursday."}]])
    step: Text = Field(description="The first step they would choose themselves, in the first person, sized to "
                       "their activation", examples=["I could ring Jean on Sunday and ask when practice is."])
    barriers: Lines = Field(description="What might get in the way, when asked", examples=[[
        "What if I can't get my breath in the middle of a hymn?"]])
    confidence: Confidence = Field(description="The reasons behind their confidence number", examples=[{
        "why_not_lower": "Because I want to.", "would_raise": "If I knew what to do if I got puffed."}])
    teach_back: Text = Field(description="How they say the plan back; {step} is the step agreed in this "
                             "conversation", examples=["So, {step} And I ring you if the nights get worse."])
    unsure_plan: Text = Field(description="Asked to say the plan back when no step was agreed", examples=[
        "I'm not sure we decided anything, dear."])
    review: Text = Field(description="How they take a review being offered", examples=[
        "Yes, I'd like that. I'll tell you how I got on."])
    unknown: Lines = Field(description="Asked something they have never thought about or cannot answer "
                           "(never a yes or a no)", examples=[["I've not really thought about it."]])

    @model_validator(mode="after")
    def _coherent(self) -> "Planning":
        if "{step}" not in self.teach_back:
            raise PydanticCustomError("teach_back", "teach_back must contain {{step}}, where the agreed step goes", {})
        missing = [option.id for option in self.options if option.welcome and option.step is None]
        if missing:
            raise PydanticCustomError("option_step", "options they welcome need a step: {ids}",
                                      {"ids": ", ".join(missing)})
        return self


class Outcomes(ContentModel):
    """One line for each way the first step can have gone by the review."""

    worked: Text = Field(description="The step mostly happened", examples=["I've been twice now."])
    partly: Text = Field(description="Some of it happened", examples=["I went once. Then my chest was bad."])
    did_not: Text = Field(description="It did not happen", examples=["I didn't go in the end."])


PREPARATION_TOPICS = ["letter", "prepared", "prepare", "questions", "wrote", "written", "notes", "list", "think",
                      "thought", "before", "today"]


class Preparation(ContentModel):
    """What the patient did with the results letter before coming; they bring it up when invited."""

    prepared: bool = Field(description="Whether they read the letter and thought about its questions",
                           examples=[True])
    text: Text = Field(description="How they bring it up when the nurse invites them to talk",
                       examples=["I did read the letter. I wrote one thing down: the stairs."])
    topics: list[Text] = Field(default_factory=lambda: list(PREPARATION_TOPICS),
                               description="Words that point the conversation at it (default: letter, "
                               "questions, prepared, notes, ...)", examples=[["letter", "questions"]])

    def as_fact(self) -> Fact:
        """The preparation as a free fact, shared like the others when invited."""
        summary = "Read the letter and prepared" if self.prepared else "Did not prepare for the visit"
        brief = "Yes, I had a look at it." if self.prepared else "Not really, no."
        return Fact(id="preparation", summary=summary, text=self.text, brief=brief, topics=self.topics)


class Visit(ContentModel):
    """A later visit with the same patient (a review): what is new since the first conversation."""

    id: Slug = Field(description="Unique among this scenario's visits", examples=["review"])
    kind: Literal["review"] = Field("review", description="What the visit is for", examples=["review"])
    title: Text = Field(description="Shown in the picker", examples=["Review, six weeks later"])
    opening_line: Text = Field(description="What the patient says as they sit down this time",
                               examples=["I did try the walking. Some weeks better than others."])
    results_letter: Text | None = Field(None, description="New results sent before this visit (optional; "
                                        "the first visit's letter otherwise)", examples=["Dear Mrs Ellis, ..."])
    free_facts: list[Fact] = Field(default_factory=list, description="What the patient can tell about the time "
                                   "since the last visit, whatever happened to the step",
                                   examples=[[FACT_EXAMPLE]])
    openings: Outcomes | None = Field(None, description="The opening line for each way their own step went "
                                      "(opening_line otherwise)", examples=[{
        "worked": "I went. I sat at the back, but I went.", "partly": "I went once. Then my chest was bad.",
        "did_not": "I didn't go in the end, dear."}])
    step_went: Outcomes | None = Field(None, description="How their own step went, in their voice, for each "
                                       "outcome: told when the nurse asks how it went", examples=[{
                                           "worked": "I rang Jean. I've been to practice twice now.",
                                           "partly": "I rang Jean, but I haven't been yet.",
                                           "did_not": "I didn't ring in the end. I kept putting it off."}])


class Scenario(ContentModel):
    """A whole scenario file."""

    id: Slug = Field(description="Unique id (lower case, digits, hyphens)", examples=["p2-widow-copd"])
    title: Text = Field(description="Shown in the picker", examples=["Margaret Ellis: COPD and anxiety review"])
    archetype: Text | None = Field(None, description="Persona archetype from the domain brief", examples=["P2"])
    difficulty: Literal["introductory", "intermediate", "advanced"] = Field(
        description="How hard the conversation is", examples=["intermediate"])
    summary: Text = Field(description="One or two sentences for the scenario picker",
                          examples=["A recently widowed woman whose breathing has been worse since."])
    persona: Persona = Field(description="The public profile, shown on the persona card", examples=[{
        "name": "Margaret Ellis", "age": 71, "conditions": ["COPD", "Anxiety"], "activation": 2,
        "life_context": "Widowed eight months ago; lives alone.", "opening_line": "Hello, dear."}])
    results_letter: Text = Field(description="The letter sent before the visit, with previous readings",
                                 examples=["Dear Mrs Ellis, ..."])
    clinical_notes: Text | None = Field(None, description="What the practice's records show the nurse before "
                                        "the visit: readings, medicines, recent contacts", examples=[
                                            "COPD since 2015. Two exacerbations this year. Blue inhaler "
                                            "reissued monthly."])
    preparation: Preparation | None = Field(None, description="What the patient did to prepare (or that "
                                            "they did not); they bring it up when invited", examples=[{
                                                "prepared": False, "text": "I didn't really look at it."}])
    free_facts: Annotated[list[Fact], Field(min_length=1, description="Shared when the trainee invites them",
                                            examples=[[FACT_EXAMPLE]])]
    hidden_facts: Annotated[list[HiddenFact], Field(min_length=1, description="Kept back until earned", examples=[[
        {"id": "choir", "priority": True, "summary": "Wants to sing in the church choir again",
         "text": "I sang in the choir for thirty years...", "release": [{"needs": {"asks_what_matters": 1}}]}]])]
    resistance: Resistance = Field(description="How guarded the patient is and what moves it",
                                   examples=[{"level": 0.4, "trust": 0.3, "hardens": ["persuade"]}])
    lines: ReplyLines = Field(description="Authored lines for each reply intent", examples=[{
        "answer_brief": ["Yes."], "open_up": ["It's been a hard year."], "deflect": ["I'm fine, really."],
        "resist": ["I've heard it all before."], "agree": ["I could try that."], "acknowledge": ["Right."],
        "unsure": ["I don't know."], "closing": ["Thank you."]}])
    planning: Planning | None = Field(None, description="What the patient brings to planning: goals, how they "
                                      "take options, their own step, barriers, confidence, teach-back, review",
                                      examples=[{
                                          "goals": [{"text": "I'd like to sing again.", "after": ["choir"]}],
                                          "step": "I could ring Jean on Sunday and ask when practice is.",
                                          "barriers": ["What if I run out of breath in the middle of a hymn?"],
                                          "confidence": {"why_not_lower": "Because I want to.",
                                                         "would_raise": "If I knew what to do if I got puffed."},
                                          "teach_back": "So, {step}", "unsure_plan": "I'm not sure we decided.",
                                          "review": "Yes, I'd like that.", "unknown": ["I've not thought about it."]}])
    visits: list[Visit] = Field(default_factory=list, description="Later visits (a review) with the same patient",
                                examples=[[{"id": "review", "title": "Review, six weeks later",
                                            "opening_line": "I went to the choir. I sat at the back."}]])

    def for_visit(self, visit_id: str | None) -> "Scenario":
        """The scenario as played at one of its later visits (None: the first, care planning visit)."""
        if visit_id is None:
            return self
        visit = next((v for v in self.visits if v.id == visit_id), None)
        if visit is None:
            raise KeyError(visit_id)
        return self.model_copy(update={
            "title": f"{self.persona.name}: {visit.title}",
            "persona": self.persona.model_copy(update={"opening_line": visit.opening_line}),
            "results_letter": visit.results_letter or self.results_letter,
            # What happened since comes first: it is what the patient has on their mind today.
            "free_facts": [*visit.free_facts, *self.free_facts],
        })

    def for_review(self, visit_id: str, opening_line: str, report: Fact, when: str = "") -> "Scenario":
        """A review visit that follows the plan the trainee recorded, not the author's story: the patient
        opens with how it went and reports on the step first; `when` is the review time the plan gave."""
        visit = self.for_visit(visit_id)
        title = next(v.title for v in self.visits if v.id == visit_id)
        return visit.model_copy(update={
            "title": f"{self.persona.name}: {title}" + (f" ({when})" if when else ""),
            "persona": visit.persona.model_copy(update={"opening_line": opening_line}),
            "free_facts": [report, *visit.free_facts],
        })

    @property
    def priority(self) -> HiddenFact | None:
        """The hidden priority, if the file marks one."""
        return next((fact for fact in self.hidden_facts if fact.priority), None)
