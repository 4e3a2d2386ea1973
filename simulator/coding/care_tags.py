"""Care and support planning tags: the moves of a care-planning conversation beyond MITI's codes.

Rule-based (there is no coded data for them); used by every coder, learned or not.
"""

import re

from simulator.coding.codes import Code

_TAGS: dict[Code, re.Pattern[str]] = {
    Code.ORIENTS: re.compile(
        r"\b(this is your time|your time|you lead|you're in charge of|we'll make a plan together|"
        r"make a plan together|plan (this|it) together|we have about \d+|we've got about|we have about|"
        r"what you'd like to get out of (today|this)|how we use (the|our) time|(today|this appointment|this "
        r"visit|this session) is (about|for) you|you set the (pace|agenda)|it's your (appointment|visit)|"
        r"come out of (it|this|today) with|work out together what|rather than me (just )?(talk|tell)|"
        r"before we start,? (i'd like|let me explain))\b"),
    Code.AGENDA_SETTING: re.compile(
        r"\b(what would you like to (talk about|discuss|cover|focus on|start with)|anything else (you'd like|"
        r"you want|on your (mind|list))|is there anything else|what's on your list|what else would you like|"
        r"i'd also like to|can i add|there's something i'd like to (add|cover)|where would you like to start|"
        r"what's (most )?important to talk about|which (would you like|shall we|do you want) to (start|look|"
        r"talk|tackle)|what shall we (start|begin) with|anything you wanted to (ask|bring up|raise)|"
        r"what did you want to (talk|get out)|add (that|it) to (the|our) list|on (the|our) list|"
        r"one thing i('d| would) like to (add|mention|raise)|what brought you|what's brought you)\b"),
    Code.EXPLORES_RESULTS: re.compile(
        r"\b(what did you make of (your|the|those|these) (results?|letter|numbers|readings?)|how did you feel "
        r"(when|about) (you )?(read|your results|the letter)|what do you make of (your|the|these|those) "
        r"(results?|letter|numbers)|what did you think (of|about) (your|the) (results?|letter)|(did|have) "
        r"you (get a chance to |manage to |had a chance to )?(read|look at|see|go through) (your|the) "
        r"(results?|letter)|your results|the letter|your (hba1c|numbers|readings?|blood (tests?|pressure)|"
        r"sugars?|kidney (result|function|test)|cholesterol|peak flow|spirometry|bloods))\b"),
    Code.ELICITS_GOAL: re.compile(
        r"\b(what would you like to (achieve|change|work on|be able to do|be different|get back to|aim for)|"
        r"where would you like to be|what's your goal|your goal|what do you want to (achieve|change|get "
        r"back to)|(be|be doing|like to be|hope to be) in (six|three|twelve) months|(be|be doing) a year from now|what would you (most )?like to be doing|"
        r"what would success look like|what would you like to happen|what are you (hoping|aiming) (for|to)|"
        r"if (things|it) (went|were going) well|what would (better|good) look like|what would be different|"
        r"what would you love to|what do you want to be able|what would you like to get out of|"
        r"what would you like (for|from) (yourself|the next)|what would you like to aim)\b"),
    Code.ACTION_STEP: re.compile(
        r"\b(first step|small step|next step|baby step|when (will|would|could) you (start|do|try)|how often|"
        r"how many (times|days|minutes|nights)|which days?|what time|where will you|how much|what will you "
        r"do|start (on|from|this|next|tomorrow)|action plan|what could get in the way|what might (get in "
        r"the way|stop you)|what would you start with|what's one thing|one small thing|something small|"
        r"what could you (try|do) (this|next) week|by (next|this) (week|weekend|monday|friday))\b"),
    Code.CONFIDENCE_RULER: re.compile(
        r"\b(scale of (0|zero|nought|1|one)|(0|zero|nought|1|one) (to|and) (10|ten)|0-10|out of (10|ten)|"
        r"how confident|how sure|how likely (is it|are you|do you)|how certain|how (do|would) you rate "
        r"your (confidence|chances)|on a scale|what makes it an? (\d+|one|two|three|four|five|six|seven|"
        r"eight|nine|ten)|what would (it take to )?(get|move|bring|take|nudge|push) (it|you|that)( up)? "
        r"(to|a|one|up|higher)|(why|what makes it) (not )?(a )?(higher|lower)|rather than an? "
        r"(\d+|one|two|three|four|five|six|seven|eight|nine|zero|nought)|and not an? (\d+|one|two|three|four|"
        r"five|six|seven|eight|nine|zero|nought)|how much do you (believe|think) you (can|could|will))\b"),
    Code.TEACH_BACK: re.compile(
        r"\b(in your own words|just so i know i've explained|to check i've explained|how would you explain|"
        r"what will you tell|can you tell me what we've agreed|tell me what you're going to do|"
        r"recap what we've (agreed|said)|what are you going to do when you get home|what are you going to "
        r"tell|how will you explain|(run|talk) me through what (you'll|you're going to|we've)|say (it|that|the "
        r"plan) back|(check|make sure) i('ve)? (explained|been clear|made (it|that) clear)|if (your|someone|a "
        r"friend) (asked|asks) you what|what's the plan (when|once) you get home|what will you do (if|when) "
        r"(it|your|you)|what are you taking away|how are you going to use)\b"),
    Code.SIGNPOSTING: re.compile(
        r"\b(group|groups|class|classes|course|service|social prescrib\w*|link worker|peer support|"
        r"community|charity|helpline|befriend\w*|volunteer\w*|choir|club|leisure centre|exercise referral|"
        r"who (else )?could (help|support)|who's around|who is around|anyone who could help|"
        r"support (at home|around you|network)|citizens advice|carers?'? (centre|support|assessment)|"
        r"age uk|breathe easy|samaritans|talking therapies|website|app (called|that)|leaflet|"
        r"diabetes uk|desmond|dafne|pulmonary rehab|cardiac rehab|rehab|counsell\w*|food bank|"
        r"money advice|debt advice|job ?centre|who (do you|could you) (lean on|turn to|talk to))\b"),
    Code.REVIEW_ARRANGED: re.compile(
        r"\b(see you (again|in|next)|follow[- ]up|review|check[- ]in|next appointment|book you (in|an)|"
        r"come back (in|and see)|catch[- ]up|catch up (in|again)|if it's not working|if it isn't working|"
        r"if that doesn't work|if (it|things) (doesn't|don't|isn't|aren't) (work|going|go)|pop (back|in)|"
        r"give you a (ring|call|bell)|ring you|phone you|call you|touch base|(in|after) (a|one|two|three|four|"
        r"six|eight|\d+) (weeks?|months?) to see|see how (it's|it has|you've|you're|things are|that's) "
        r"(going|gone|got on|getting on)|get back together|(get|meet|see each other) (together )?again|"
        r"another appointment|come back (for|in)|back in (a|one|two|three|four|six|eight|\d+) (weeks?|months?))\b"),
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
