"""The care and support plan the trainee records after the conversation (the transcript keeps it)."""

from pydantic import BaseModel, ConfigDict, Field


class CarePlan(BaseModel):
    """The plan as recorded on the form; every field may be left empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what_matters: str = Field("", description="What matters to the person, in their words")
    goal: str = Field("", description="The goal the person chose")
    step_what: str = Field("", description="The first action step: what")
    step_when: str = Field("", description="When (days, times)")
    step_where: str = Field("", description="Where")
    step_how_much: str = Field("", description="How much or how often")
    start_date: str = Field("", description="When it starts")
    confidence: int | None = Field(None, ge=0, le=10, description="The person's confidence, 0 to 10")
    support: str = Field("", description="Support and signposting")
    if_not_working: str = Field("", description="What to do if it is not working")
    review_date: str = Field("", description="When the plan will be reviewed")

    @property
    def step_elements(self) -> dict[str, bool]:
        """Which SMART elements of the first step are filled in."""
        return {"what": bool(self.step_what.strip()), "when": bool(self.step_when.strip()),
                "where": bool(self.step_where.strip()), "how much": bool(self.step_how_much.strip()),
                "start date": bool(self.start_date.strip())}
