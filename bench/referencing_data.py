#!/usr/bin/env python3
"""A synthetic correspondence network for benchmarks, in the shape of data/frameworks and data/referencing.

    python bench/referencing_data.py --seed 1 --out /tmp/bench-referencing.ttl

Everything is made up and says so: every IRI under https://w3id.org/mcgraph/id/ starts with
"bench-", and every resource carries `mc:illustrative true`. The same seed gives the same bytes.

- 50 frameworks (5 mc:RegionalQualificationsFramework of 8 levels, 45 mc:NationalQualificationsFramework
  of 8-10 levels), each with a governing body;
- referencing reports: each national framework to one regional framework, then random pairs of
  national frameworks; statuses mc:Endorsed / mc:Comparison / mc:Draft; about one report in ten
  has mc:levelTable mc:TableNotInGraph and no rows;
- exactly 2,000 mc:LevelCorrespondence rows: one per level of the report's source framework, a
  monotone mapping by relative rank (mc:ExactMatch or mc:CloseMatch between equal level counts,
  mc:BroadMatch where several levels meet one target level, else exact/close/narrow), and about
  3 % mc:NoMatch rows without mc:toLevel. The report whose table reaches the total is cut there
  (mc:TablePartial).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

FRAMEWORKS = 50
REGIONAL = 5
CORRESPONDENCES = 2000

PREFIXES = """@prefix mc:   <https://w3id.org/mcgraph/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix fw:   <https://w3id.org/mcgraph/id/framework/> .
@prefix lvl:  <https://w3id.org/mcgraph/id/level/> .
@prefix org:  <https://w3id.org/mcgraph/id/org/> .
@prefix rep:  <https://w3id.org/mcgraph/id/report/> .
@prefix corr: <https://w3id.org/mcgraph/id/correspondence/> .
"""
SOURCE = "https://example.org/bench-referencing/"


def generate(seed: int = 1, frameworks: int = FRAMEWORKS, regional: int = REGIONAL,
             correspondences: int = CORRESPONDENCES) -> str:
    """The whole network as Turtle."""
    rng = random.Random(seed)
    slugs = [f"bench-rqf-{i}" for i in range(1, regional + 1)]
    slugs += [f"bench-nqf-{i:02d}" for i in range(1, frameworks - regional + 1)]
    sizes = {s: 8 if s.startswith("bench-rqf") else rng.randint(8, 10) for s in slugs}
    out = [PREFIXES]
    for slug in slugs:
        out.append(_framework(slug, sizes[slug]))

    national = slugs[regional:]
    pairs = [(n, slugs[i % regional]) for i, n in enumerate(national)]  # every NQF to one regional hub
    related = {frozenset(p) for p in pairs}
    rows = 0
    while rows < correspondences:
        if not pairs:
            a, b = rng.sample(national, 2)
            if frozenset((a, b)) in related:
                continue
            related.add(frozenset((a, b)))
        else:
            a, b = pairs.pop(0)
        status = rng.choices(("Endorsed", "Comparison", "Draft"), (5, 3, 2))[0]
        report = f"bench-{a.removeprefix('bench-')}-{b.removeprefix('bench-')}"
        if rng.random() < 0.1:
            out.append(_report(report, a, b, status, "TableNotInGraph", rng))
            continue
        table = _table(sizes[a], sizes[b], status, rng)[:correspondences - rows]
        rows += len(table)
        partial = len(table) < sizes[a]
        out.append(_report(report, a, b, status, "TablePartial" if partial else "TableComplete", rng))
        out += [_row(report, a, b, *row) for row in table]
    return "\n".join(out)


def _framework(slug: str, levels: int) -> str:
    kind = "Regional" if slug.startswith("bench-rqf") else "National"
    code = slug.upper()
    lines = [f"""fw:{slug}
    a mc:{kind}QualificationsFramework ;
    skos:prefLabel "Synthetic framework {code}"@en ;
    skos:altLabel "{code}"@en ;
    mc:governingBody org:{slug}-body ;
    mc:levelCount {levels} ;
    dct:source <{SOURCE}{slug}> ;
    mc:confidence "high" ;
    mc:illustrative true .

org:{slug}-body skos:prefLabel "Synthetic authority of {code}"@en ; mc:illustrative true .
"""]
    for n in range(1, levels + 1):
        lines.append(f"""lvl:{slug}-{n}
    a mc:Level ;
    skos:inScheme fw:{slug} ;
    skos:notation "{n}" ;
    mc:rank {n}.0 ;
    skos:prefLabel "{code} level {n}"@en ;
    mc:illustrative true .
""")
    return "\n".join(lines)


def _report(report: str, a: str, b: str, status: str, table: str, rng: random.Random) -> str:
    return f"""rep:{report}
    a mc:ReferencingReport ;
    dct:title "Synthetic referencing of {a.upper()} to {b.upper()}"@en ;
    mc:fromFramework fw:{a} ;
    mc:toFramework fw:{b} ;
    mc:responsibleBody org:{a}-body, org:{b}-body ;
    dct:issued "{rng.randint(2012, 2026)}"^^xsd:gYear ;
    mc:referencingStatus mc:{status} ;
    mc:levelTable mc:{table} ;
    dct:source <{SOURCE}{report}> ;
    mc:confidence "{rng.choice(('high', 'medium'))}" ;
    mc:illustrative true .
"""


def _table(n_from: int, n_to: int, status: str, rng: random.Random) -> list[tuple[int, int | None, str, str]]:
    """(from level, to level or None, match type, confidence) for each level of the source framework, in order."""
    target = {i: max(1, min(n_to, round(i * n_to / n_from))) for i in range(1, n_from + 1)}
    shared = {j for j in target.values() if list(target.values()).count(j) > 1}
    same = "ExactMatch" if status == "Endorsed" else "CloseMatch"
    table = []
    for i, j in target.items():
        if rng.random() < 0.03:
            table.append((i, None, "NoMatch"))
        elif n_from == n_to:
            table.append((i, j, same))
        elif j in shared:
            table.append((i, j, "BroadMatch"))  # several levels meet one target level: the target is broader
        else:
            table.append((i, j, rng.choices(("ExactMatch", "CloseMatch", "NarrowMatch"), (2, 5, 3))[0]))
    return [(*row, rng.choices(("high", "medium", "low"), (6, 3, 1))[0]) for row in table]


def _row(report: str, a: str, b: str, i: int, j: int | None, match: str, confidence: str) -> str:
    to = f"\n    mc:toLevel lvl:{b}-{j} ;" if j is not None else ""
    return f"""corr:{report}-{i}
    a mc:LevelCorrespondence ;
    mc:fromLevel lvl:{a}-{i} ;{to}
    mc:matchType mc:{match} ;
    mc:establishedBy rep:{report} ;
    dct:source <{SOURCE}{report}> ;
    mc:confidence "{confidence}" ;
    mc:illustrative true .
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="Turtle file to write (default: standard output)")
    args = parser.parse_args()
    text = generate(args.seed)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
