"""A self-contained, printable HTML report of one reviewed transcript, for a portfolio or an appeal.

Everything is in the one file: styles inline, the progress chart as inline SVG, no scripts, no fonts or
images fetched from anywhere, so it opens and prints the same with no network.
"""

from html import escape
from pathlib import Path

from simulator import __version__
from simulator.coding.codes import Code
from simulator.quality.library import Library, ProgressPoint
from simulator.quality.reviewing import UnderReview
from simulator.storage.jsonl import write_whole

STYLE = """
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1a1a1a;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem;
     border-bottom: 1px solid #999; } .muted { color: #555; } .hash { font-family: monospace; font-size: 9pt; }
.banner { padding: .6rem .8rem; border: 2px solid; margin: 1rem 0; }
.banner.intact { border-color: #2e7d32; } .banner.altered { border-color: #b71c1c; background: #fdecea; }
.banner.unsealed, .banner.unfinished { border-color: #8d6e00; background: #fff8e1; }
.banner.truncated { border-color: #b71c1c; background: #fdecea; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; } th, td { border: 1px solid #bbb;
        padding: .25rem .4rem; vertical-align: top; text-align: left; } th { background: #eee; }
td.num { text-align: center; white-space: nowrap; } .changed { background: #fff3cd; font-weight: 600; }
.patient td { background: #f6f6f6; } .codes { font-size: 9pt; color: #333; }
.l0 { background: #f8d7da; } .l1 { background: #fff3cd; } .l2 { background: #d4edda; }
blockquote { margin: .3rem 0 .3rem 1rem; font-style: italic; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; }
               * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def export_html(under: UnderReview, library: Library, out: Path) -> Path:
    """Write the report of a transcript under review to `out` (its folder made if need be), with the
    trainee's progress from the library; return where it went. The one export both faces use."""
    progress = library.progress(under.trainee) if under.trainee else []
    write_whole(out, render_report(under, progress).encode("utf-8"))
    return out


def render_report(under: UnderReview, progress: list[ProgressPoint]) -> str:
    """The whole report as one HTML document."""
    integrity = under.read.integrity
    score = under.scored.score
    parts = [
        f"<h1>{escape(under.title)}</h1>",
        f'<p class="muted">Transcript {escape(under.read.transcript_id)} &middot; {escape(str(under.path))}</p>',
        f'<div class="banner {integrity.status}">'
        f"{escape(integrity.describe())}"
        + (f'<br><span class="hash">sha256 {integrity.digest}</span>' if integrity.digest else "")
        + "".join(f"<br>Line {p.line}: {escape(p.message)}" for p in under.read.problems) + "</div>",
        f"<p><strong>Overall (engine): {score.overall:.0f} / 100</strong> &middot; rubric "
        f"{escape(score.rubric_id)} v{escape(score.rubric_version)} &middot; coder {escape(score.coder_version)}"
        f" &middot; report by simulator {__version__}</p>",
        _reviews(under),
        _behaviours(under),
        _measures(under),
        _transcript(under),
    ]
    if len(progress) > 1 and under.trainee:
        parts.append(_progress(under.trainee, progress, [b.id for b in under.behaviours]))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(under.title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def _reviews(under: UnderReview) -> str:
    annotations = under.annotations
    out = ["<h2>Human review</h2>"]
    if not annotations.judgements:
        return out[0] + "<p>Not reviewed yet.</p>"
    flag = annotations.flag
    if flag is not None:
        state = "Flagged" if flag.flagged else "Flag cleared"
        out.append(f"<p><strong>{state}</strong> by {escape(flag.reviewer)} on {flag.at:%Y-%m-%d %H:%M} UTC"
                   + (f": {escape(flag.comment)}" if flag.comment else "") + "</p>")
    for reviewer in annotations.reviewers:
        written = annotations.overall(reviewer)
        codes, scores = annotations.codes(reviewer), annotations.scores(reviewer)
        changed = sum(set(j.engine) != set(j.human) for j in codes.values())
        rescored = sum(j.engine != j.human for j in scores.values())
        out.append(f"<h3>{escape(reviewer)}</h3><p>Judged the codes of {len(codes)} turn(s), changing "
                   f"{changed}; judged {len(scores)} behaviour(s), changing {rescored}.</p>")
        if written:
            out.append(f"<blockquote>{escape(written.text)}</blockquote>"
                       f'<p class="muted">{written.at:%Y-%m-%d %H:%M} UTC</p>')
    return "\n".join(out)


def _behaviours(under: UnderReview) -> str:
    reviewers = under.annotations.reviewers
    head = "".join(f"<th>{escape(r)}</th>" for r in reviewers)
    rows = []
    for b in under.behaviours:
        human = []
        for reviewer in reviewers:
            judged = under.annotations.scores(reviewer).get(b.id)
            if judged is None:
                human.append('<td class="num">&ndash;</td>')
            else:
                mark = ' changed' if judged.human != judged.engine else ""
                note = f"<br><small>{escape(judged.comment)}</small>" if judged.comment else ""
                human.append(f'<td class="num l{min(judged.human, 2)}{mark}">{judged.human}{note}</td>')
        evidence = "".join(f"<blockquote>Turn {e.turn}: &ldquo;{escape(e.words)}&rdquo;</blockquote>"
                           for e in b.evidence[:3])
        rows.append(f"<tr><td>{escape(b.id)}</td><td>{escape(b.name)}<br>{escape(b.finding)}<br>"
                    f"<small>{escape(b.rationale)}</small>"
                    f'{evidence}</td><td class="num l{min(b.level, 2)}">{b.level}</td>{"".join(human)}</tr>')
    return (f"<h2>Behaviours</h2><table><thead><tr><th>Id</th><th>Behaviour, rationale and evidence</th>"
            f"<th>Engine</th>{head}</tr></thead>{''.join(rows)}</table>")


def _measures(under: UnderReview) -> str:
    miti = under.scored.score.miti
    rows = "".join(f"<tr><td>{m.name}</td><td class='num'>{m.shown}</td></tr>" for m in under.report.measures)
    return (f"<h2>MITI summary measures</h2><table>{rows}</table>"
            f'<p class="muted"><small>{escape(miti.relational_method)}</small></p>')


def _transcript(under: UnderReview) -> str:
    reviewers = under.annotations.reviewers
    head = "".join(f"<th>{escape(r)}</th>" for r in reviewers)
    rows = []
    for line in under.lines:
        if line.turn is None:
            rows.append(f'<tr class="patient"><td></td><td>Patient: {escape(line.text)}</td><td></td>'
                        + "<td></td>" * len(reviewers) + "</tr>")
            continue
        human = []
        for reviewer in reviewers:
            judged = under.annotations.codes(reviewer).get(line.turn)
            if judged is None:
                human.append("<td></td>")
                continue
            same = set(judged.human) == set(judged.engine)
            note = f"<br><small>{escape(judged.comment)}</small>" if judged.comment else ""
            shown = "accepted" if same else _codes(judged.human)
            human.append(f'<td class="codes{"" if same else " changed"}">{shown}{note}</td>')
        rows.append(f'<tr><td class="num">{line.turn}</td><td>Trainee: {escape(line.text)}</td>'
                    f'<td class="codes">{_codes(line.codes)}</td>{"".join(human)}</tr>')
    return (f"<h2>Transcript</h2><table><thead><tr><th>Turn</th><th>Words</th><th>Engine's codes</th>{head}</tr></thead>"
            f"{''.join(rows)}</table>")


def _codes(codes: tuple[Code, ...] | list[Code]) -> str:
    return escape(", ".join(code.label for code in codes) or "no code")


# Each kind of session's colour in the chart; an unfinished one is an open circle, joined to no other.
KIND_COLOURS = {"first visit": "#1565c0", "review visit": "#2e7d32"}


def _progress(trainee: str, points: list[ProgressPoint], behaviours: list[str]) -> str:
    """The trainee's overall score as an SVG line per kind of visit (unfinished sessions apart), and each
    behaviour's level per session as a grid; every session is labelled with its visit and how far it got."""
    width, height, pad = 640, 200, 36
    step = (width - 2 * pad) / max(1, len(points) - 1)
    xy = [(pad + i * step, height - pad - (height - 2 * pad) * p.overall / 100) for i, p in enumerate(points)]
    grid = "".join(f'<line x1="{pad}" x2="{width - pad}" y1="{y}" y2="{y}" stroke="#ddd"/>'
                   f'<text x="{pad - 6}" y="{y + 4}" font-size="10" text-anchor="end">{v}</text>'
                   for v in (0, 50, 100) for y in [height - pad - (height - 2 * pad) * v / 100])
    lines = ""
    for kind, colour in KIND_COLOURS.items():
        joined = " ".join(f"{x:.1f},{y:.1f}" for (x, y), p in zip(xy, points, strict=True) if p.finished and p.kind == kind)
        lines += f'<polyline points="{joined}" fill="none" stroke="{colour}" stroke-width="2"/>'
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" '
                   + (f'fill="{KIND_COLOURS[p.kind]}"' if p.finished else f'fill="white" stroke="{KIND_COLOURS[p.kind]}"')
                   + f"><title>{p.started:%Y-%m-%d}, {p.kind}, {p.ending}: {p.overall:.0f}</title></circle>"
                   for (x, y), p in zip(xy, points, strict=True))
    svg = (f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="Overall score by session">'
           f"{grid}{lines}{dots}</svg>")
    legend = ("First visits in blue, review visits in green, each joined in order; an open circle is an unfinished "
              "session, scored on what was said before it stopped.")
    head = "".join(f"<th>{i}<br><small>{p.kind}, {p.ending}</small></th>" for i, p in enumerate(points, start=1))
    rows = "".join(f"<tr><td>{escape(b)}</td>" + "".join(
        f'<td class="num l{min(p.levels.get(b, 0), 2)}">{p.levels.get(b, "")}</td>' for p in points) + "</tr>"
        for b in behaviours)
    sessions = "".join(f"<li>{p.started:%Y-%m-%d}: {escape(p.scenario_title)}, {p.kind}, {p.ending} "
                       f"({p.overall:.0f})</li>" for p in points)
    return (f"<h2>Progress of {escape(trainee)}</h2><p>Overall score, session by session (0-100):</p>{svg}"
            f"<p class='muted'>{legend}</p>"
            f"<p>Each behaviour's level (0-2) by session:</p><table><thead><tr><th>Behaviour</th>{head}</tr></thead>{rows}</table>"
            f"<ol class='muted'>{sessions}</ol>")
