"""A recognition assessment as people read it: a Markdown case-file attachment, and rich tables for
the terminal (`mcgraph assess`). Both render a `RecognitionAssessment` of recognition.py; neither adds facts."""
from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table

from .recognition import TRUST_WEIGHTS, Comparability, ConventionContext, Part, RecognitionAssessment

SECTIONS = ("Summary", "UNESCO 2022 definition", "EU 2022 elements", "Comparable levels", "Quality assurance",
            "Conventions", "National information centres", "Digital-trust profile", "Substantial differences")
_STATUS_STYLE = {"met": "green", "not met": "red", "unknown": "yellow", "not applicable": "dim"}


# -- shared wording -------------------------------------------------------------------------------------
def subject(a: RecognitionAssessment) -> str:
    name = a.title or a.id
    return f"{name} ({a.id})" if a.title else name


def host_name(a: RecognitionAssessment) -> str:
    return f"{a.host.name} ({a.host.country})" if a.host.name else a.host.country


def unesco_met(a: RecognitionAssessment) -> str:
    applicable = [p for p in a.unesco if p.status != "not applicable"]
    if not applicable:
        return f"not applicable (a {a.kind}, not a micro-credential)"
    return f"{sum(p.status == 'met' for p in applicable)} of {len(applicable)} parts met"


def trust_line(a: RecognitionAssessment) -> str:
    return (f"{a.trust.score:g} of 1" + (f" ({a.trust.unknown_weight:g} undecided: the data is silent)"
                                          if a.trust.unknown_weight else ""))


def trust_rule() -> str:
    weights = ", ".join(f"{k} {v:g}" for k, v in TRUST_WEIGHTS.items())
    return (f"The score is the sum of the weights of the metrics met ({weights}; they sum to 1); a metric the "
            "data cannot decide adds nothing and is counted as undecided weight.")


def _evidence(part: Part) -> str:
    lines = [f"{e.label}: {e.value}" for e in part.evidence] + part.messages
    return "; ".join(lines)


def _levels(c: Comparability) -> str:
    return ", ".join(m.level for m in c.matches) or "-"


def _party(status: bool | None) -> str:
    return "yes" if status else ("unknown" if status is None else "no")


def _convention_rows(context: ConventionContext) -> list[tuple[str, str, str]]:
    return [(c.label or c.title or c.id, _party(c.party), c.since or "-") for c in context.conventions]


# -- Markdown -------------------------------------------------------------------------------------------
def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def to_markdown(a: RecognitionAssessment) -> str:
    """The assessment as a Markdown document to attach to a case file."""
    md = [f"# Recognition assessment: {subject(a)} in {host_name(a)}, {a.at}", "",
          f"> {a.note}", ""]
    if a.submitted:
        md += ["The credential was described in the request and assessed without being stored.", ""]
    if a.illustrative:
        md += ["The credential's record is marked illustrative: it is example data, not a real credential.", ""]

    md += ["## Summary", "",
           f"- Credential: {subject(a)}, a {a.kind}",
           f"- Host country: {host_name(a)}; date assessed: {a.at}",
           f"- Issuing country: {a.issuer.name or a.issuer.country if a.issuer else 'unknown'}",
           f"- Trust score: {trust_line(a)}",
           f"- UNESCO 2022 definition: {unesco_met(a)}",
           "- Comparable levels: " + ("; ".join(f"{c.credential_level} -> {_levels(c)} in {c.host_framework} "
                                                f"({c.status})" for c in a.comparability) or "none"),
           f"- Quality assurance: {a.quality_assurance.status.status}",
           "- Main differences: " + ("; ".join(f.title for f in a.differences) or "none found"), ""]

    md += ["## UNESCO 2022 definition", ""]
    if a.unesco:
        md += _table(("part", "status", "evidence"), [(p.name, p.status, _evidence(p)) for p in a.unesco])
    else:
        md += ["Not assessed.", ""]

    md += ["## EU 2022 elements", ""]
    if a.eu:
        md += _table(("element", "status", "evidence"), [(p.name, p.status, _evidence(p)) for p in a.eu])
    else:
        md += [f"Not applicable: a {a.kind}, not a micro-credential.", ""]

    md += ["## Comparable levels", ""]
    if not a.comparability:
        md += [f"No comparison could be made: the credential states no level, or {host_name(a)} has no "
               "framework in the graph.", ""]
    for c in a.comparability:
        md += [f"### {c.credential_level} in {c.host_framework}: {c.status}", "", c.summary, ""]
        if c.matches:
            md += _table(("level", "match", "strength", "chain", "reports"),
                         [(m.level, m.match, f"{m.strength:g} ({m.strength_label})", "; ".join(m.chains),
                           "; ".join(m.reports)) for m in c.matches])

    qa = a.quality_assurance
    s = qa.status
    networks = ", ".join(n.label or n.id for n in qa.agency_networks) or "none in the graph"
    md += ["## Quality assurance", "",
           f"- Status on {a.at}: {s.status} ({'in force' if s.in_force else 'not in force'})",
           f"- Decision: {s.decision or 'none in the graph'}",
           f"- Agency: {s.agency or 'unknown'}",
           f"- Validity: {s.valid_from or 'no start date'} to {s.valid_until or 'no end date'}",
           f"- Networks of the agency: {networks}"
           + (" (a recognised network: APQN or INQAAHE)" if qa.recognised_network else ""),
           f"- Note: {s.note}", ""]

    md += ["## Conventions", ""]
    for role, context in (("Issuing country", a.issuer), ("Host country", a.host)):
        if context is None:
            md += [f"### {role}: unknown", "", "The record states no issuing country.", ""]
            continue
        md += [f"### {role}: {context.name or context.country} ({context.country})", ""]
        rows = _convention_rows(context)
        md += _table(("convention", f"party on {a.at}", "since"), rows) if rows else \
            ["Party to no recognition convention in the graph.", ""]

    md += ["## National information centres", ""]
    md += [f"- {n.label or n.id} ({n.id})" for n in a.host_nics] or \
        [f"No national information centre of {host_name(a)} in the graph."]
    md += ["", "## Digital-trust profile", ""]
    md += _table(("metric", "status", "weight", "evidence"),
                 [(m.name, m.status, f"{m.weight:g}", m.evidence) for m in a.trust.metrics])
    md += [f"Trust score: {trust_line(a)}.", "", trust_rule(), ""]

    md += ["## Substantial differences", ""]
    md += [f"- **{f.title}** (`{f.code}`): {f.explanation}" for f in a.differences] or \
        ["None found in the data; the competent authority may still find some."]
    return "\n".join(md) + "\n"


# -- terminal tables ------------------------------------------------------------------------------------
def _status(text: str) -> str:
    style = _STATUS_STYLE.get(text)
    return f"[{style}]{text}[/]" if style else text


def _parts_table(title: str, parts: list[Part]) -> Table:
    table = Table("part", "status", "evidence", title=title)
    for p in parts:
        table.add_row(p.name, _status(p.status), _evidence(p))
    return table


def renderables(a: RecognitionAssessment) -> list[RenderableType]:
    """What `mcgraph assess` prints: a heading, then one table per section."""
    out: list[RenderableType] = [
        f"[bold]{subject(a)}[/] in {host_name(a)} at {a.at}: trust score {trust_line(a)}, "
        f"UNESCO definition {unesco_met(a)}" + (" [dim](submitted, not stored)[/]" if a.submitted else ""),
        f"[dim]{a.note}[/]"]
    if a.unesco:
        out.append(_parts_table("UNESCO 2022 definition", a.unesco))
    if a.eu:
        out.append(_parts_table("EU 2022 elements", a.eu))
    levels = Table("level", "host framework", "status", "comparable", "match", "strength", "chain", "reports",
                   title=f"Comparable levels in {host_name(a)}")
    for c in a.comparability:
        if not c.matches:
            levels.add_row(c.credential_level, c.host_framework, f"[yellow]{c.status}[/]", "", "", "", "", c.summary)
        for m in c.matches:
            levels.add_row(c.credential_level, c.host_framework, c.status, m.level, m.match,
                           f"{m.strength:g} {m.strength_label}", "\n".join(m.chains), "\n".join(m.reports))
    out.append(levels if a.comparability else
               f"[yellow]No comparable level: no level stated, or {host_name(a)} has no framework in the graph.[/]")
    s = a.quality_assurance.status
    qa = Table("quality assurance", "", title="Quality assurance")
    qa.add_row("status", f"[{'green' if s.in_force else 'red'}]{s.status}[/]")
    qa.add_row("decision", s.decision or "-")
    qa.add_row("agency", s.agency or "-")
    qa.add_row("validity", f"{s.valid_from or '-'} to {s.valid_until or '-'}")
    qa.add_row("networks", ", ".join(n.label or n.id for n in a.quality_assurance.agency_networks) or "-")
    qa.add_row("note", s.note)
    out.append(qa)
    conventions = Table("country", "convention", f"party on {a.at}", "since", title="Conventions")
    for role, context in (("issuing", a.issuer), ("host", a.host)):
        if context is None:
            continue
        rows = _convention_rows(context) or [("none in the graph", "-", "-")]
        for name, party, since in rows:
            shown = {"yes": "[green]yes[/]", "no": "[red]no[/]"}.get(party, party)
            conventions.add_row(f"{context.name or context.country} ({role})", name, shown, since)
    out.append(conventions)
    out.append("National information centres: "
               + (", ".join(f"{n.label or n.id} ({n.id})" for n in a.host_nics) or "none in the graph"))
    trust = Table("metric", "status", "weight", "evidence", title=f"Digital-trust profile: score {trust_line(a)}")
    for m in a.trust.metrics:
        trust.add_row(m.name, _status(m.status), f"{m.weight:g}", m.evidence)
    out.append(trust)
    if a.differences:
        diffs = Table("code", "finding", "explanation", title="Substantial differences")
        for f in a.differences:
            diffs.add_row(f.code, f.title, f.explanation)
        out.append(diffs)
    else:
        out.append("[green]No substantial differences found in the data.[/]")
    return out
