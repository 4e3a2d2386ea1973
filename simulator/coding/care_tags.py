"""Care and support planning tags: the moves of a care-planning conversation beyond MITI's codes.

Rule-based (there is no coded data for them); used by every coder, learned or not.
"""

import re

from simulator.coding.codes import Code

_TAGS: dict[Code, re.Pattern[str]] = {
    Code.ORIENTS: re.compile(
        r"\b(this is your time|your time|you lead|you're in charge of|we'll make a plan together|"
        r"make a plan together|plan (this|it) together|we have about \d+|we've got about \d+|"
        r"what you'd like to get out of (today|this)|how we use (the|our) time)\b"),
    Code.AGENDA_SETTING: re.compile(
        r"\b(what would you like to (talk about|discuss|cover|focus on)|anything else (you'd like|you want|"
        r"on your (mind|list))|is there anything else|what's on your list|what else would you like|"
        r"i'd also like to|can i add|there's something i'd like to (add|cover)|where would you like to start|"
        r"what's (most )?important to talk about)\b"),
    Code.EXPLORES_RESULTS: re.compile(
        r"\b(what did you make of (your|the) (results?|letter|numbers)|how did you feel (when|about) "
        r"(you )?(read|your results|the letter)|what do you make of (your|the|these|those) (results?|letter|"
        r"numbers)|what did you think (of|about) (your|the) (results?|letter)|(did|have) you (get a chance to |"
        r"manage to )?(read|look at|see) (your|the) (results?|letter)|your results|the letter|your (hba1c|"
        r"numbers|readings?))\b"),
    Code.ELICITS_GOAL: re.compile(
        r"\b(what would you like to (achieve|change|work on|be able to do|be different)|where would you like "
        r"to be|what's your goal|your goal|what do you want to (achieve|change)|in (six|three|twelve) months|"
        r"a year from now|what would you (most )?like to be doing|what would success look like|"
        r"what would you like to happen)\b"),
    Code.ACTION_STEP: re.compile(
        r"\b(first step|small step|next step|when (will|would|could) you start|how often|how many (times|days|"
        r"minutes)|which days?|what time|where will you|how much|what will you do|start (on|from|this|next|"
        r"tomorrow)|action plan)\b"),
    Code.CONFIDENCE_RULER: re.compile(
        r"\b(scale of (0|zero|1|one) to (10|ten)|(0|zero|1|one) to (10|ten)|how confident|how sure are you|"
        r"how likely (is it|are you))\b"),
    Code.TEACH_BACK: re.compile(
        r"\b(in your own words|just so i know i've explained|to check i've explained|how would you explain|"
        r"what will you tell|can you tell me what we've agreed|tell me what you're going to do|"
        r"recap what we've (agreed|said)|what are you going to do when you get home)\b"),
    Code.SIGNPOSTING: re.compile(
        r"\b(group|groups|class|classes|course|service|social prescrib\w*|link worker|peer support|"
        r"community|charity|helpline|befriend\w*|volunteer\w*|choir|club|leisure centre|exercise referral|"
        r"who (else )?could (help|support)|who's around|who is around|anyone who could help|"
        r"support (at home|around you|network))\b"),
    Code.REVIEW_ARRANGED: re.compile(
        r"\b(see you (again|in|next)|follow[- ]up|review|check in|next appointment|book you (in|an)|"
        r"come back (in|and see)|catch up (in|again)|if it's not working|if it isn't working|"
        r"if that doesn't work)\b"),
}

_STEP_ELEMENTS: dict[str, re.Pattern[str]] = {
    "what": re.compile(r"\b(walk\w*|swim\w*|cycl\w*|dance|danc\w*|sing\w*|eat\w*|cook\w*|drink\w*|take|"
                       r"use|stretch\w*|exercise\w*|garden\w*|call|ring|go|join|try|cut|swap|check)\b"),
    "where": re.compile(r"\b(at (home|work|church|the (park|pool|gym|shops?|centre|club|church))|in the (park|garden|kitchen)|round the|around the|"
                        r"to the (shop|park|church|pool|centre|club)|outside|park|pool|leisure centre|church)\b"),
    "when": re.compile(r"\b(morning|afternoon|evening|night|after (tea|lunch|breakfast|dinner|meals?|work)|"
                       r"before (bed|work|breakfast)|lunchtime|weekend|monday|tuesday|wednesday|thursday|"
                       r"friday|saturday|sunday|o'clock|\d{1,2}(am|pm|:\d\d))\b"),
    "how_much": re.compile(r"\b(\d+|one|two|three|four|five|ten|fifteen|twenty|thirty|half an hour)\s*"
                           r"(minutes?|mins?|times?|days?|hours?|glasses|cups|steps|laps|units)\b|"
                           r"\b(once|twice|every day|each day|daily)\b"),
    "start": re.compile(r"\b(tomorrow|today|tonight|this (week|weekend|monday|tuesday|wednesday|thursday|"
                        r"friday|saturday|sunday)|next (week|monday|tuesday|wednesday|thursday|friday|"
                        r"saturday|sunday)|from (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
                        r"starting|start on)\b"),
}


def care_tags(lowered: str) -> set[Code]:
    """The care-planning tags a lower-cased utterance carries."""
    return {code for code, pattern in _TAGS.items() if pattern.search(lowered)}


def step_elements(text: str) -> set[str]:
    """Which SMART action-step elements (what, where, when, how much, start) a text names."""
    lowered = text.lower()
    return {name for name, pattern in _STEP_ELEMENTS.items() if pattern.search(lowered)}
