#!/usr/bin/env python3
"""Synthetic micro-credentials in mcgraph's own vocabulary (docs/MODEL.md), for benchmarks.

Every generated resource carries `mc:illustrative true`: the records are made up. They point at
the bundled frameworks' levels, credit systems, countries and QA agencies by their fixed slugs,
so a file loads (and conforms) only into a store initialised with `mcgraph init`.

    python bench/generate.py --credentials 10000 --out bench/data/mc-10k.ttl --seed 1
    python bench/generate.py --credentials 1000 --prefix new --seed 2 --out bench/data/mc-new-1k.nt

Per micro-credential (about 36 triples; 37.5 with the pools, 0.37M triples at 10k): type, title,
description, awarding body (from a pool of providers), level, 3-6 learning outcomes each aligned
to a skill concept, a credit value (amount and credit system, a blank node), notional hours
(= amount x hours per credit), mode, language, ISCED-F field, issuer country; for about one in
five a QA decision (agency, decision, valid from/until; only where the bundled data has a QA
agency of that country), and for about a third a stacking link (`mc:isPartOf` a qualification
of the same provider at the same or a higher level). The pools (providers with their QA
decisions, qualifications, skills) are written once.

Every qualification has one stacking rule (`id:rule/<prefix>-qual-…`, docs/MODEL.md), drawn from
its own random stream: required credits in the provider framework's credit system (600, 1200 or
2400 notional hours by level: 60/120/240 NZQCF or HKQF credits, 15/30/60 MQF credits), a cap on
micro-credential credit (a quarter, a third or half of that), for about 30 % a cap on prior
learning, a minimum level one or two below the qualification's, 1-3 accepted fields (its own
first), `mc:acceptsUnlistedCredentials` true for about half, for about 20 % a conversion rounding,
and for about a quarter a required component (15 %) or a component group (10 %, 2-3 members, most
"n of m") with a required outcome. Components are micro-credentials generated as `mc:isPartOf` the
qualification, at or above the rule's minimum level and in an accepted field (never a broken one),
so no part cycle arises; the rules are therefore written after the credentials, and a rule whose
qualification got too few such parts has none. About 13 triples per rule.

`--prefix` goes into every generated IRI (`id:credential/<prefix>-mc-000001`), so files made
with different prefixes never collide. `--violations N` breaks N credentials, each in one known
way that the shapes report as exactly one Violation (see VIOLATION_KINDS). The output format
follows the extension (.ttl Turtle, .nt N-Triples); the same seed gives the same bytes.
"""
from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ID = "https://w3id.org/mcgraph/id/"
MC = "https://w3id.org/mcgraph/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

PREFIXES = {  # Turtle prefixes; one per IRI kind, so local names never need escaping
    "mc": MC, "dct": DCT, "skos": SKOS, "xsd": XSD,
    "credential": ID + "credential/", "outcome": ID + "outcome/", "level": ID + "level/",
    "org": ID + "org/", "country": ID + "country/", "qad": ID + "qa-decision/",
    "cs": ID + "credit-system/", "skill": ID + "skill/", "isced": ID + "isced/", "rule": ID + "rule/",
}


# -- the bundled reference data the records point at (fixed slugs, docs/MODEL.md) -----------------
@dataclass(frozen=True)
class Framework:
    slug: str
    country: str
    levels: int  # notations 1..levels
    mc_levels: tuple[int, int]  # range of levels a micro-credential sits at
    credit_system: str  # id:credit-system/<slug>
    hours_per_credit: int
    amounts: tuple[float, ...]  # typical credit amounts of a micro-credential
    languages: tuple[str, ...]
    qa_agencies: tuple[str, ...]  # id:org/<slug>
    weight: int


FRAMEWORKS: tuple[Framework, ...] = (
    # the bundled frameworks with a credit system; QA decisions only where a bundled QA agency of
    # the same country exists (none for Hong Kong SAR, China or India in the bundled data)
    Framework("nzqcf", "NZ", 10, (2, 7), "nzqcf-credit", 10, (5, 10, 15, 20, 30, 40), ("en", "mi"), ("nzqa",), 4),
    Framework("hkqf", "HK", 7, (2, 6), "hkqf-credit", 10, (3, 6, 9, 12, 15), ("en", "zh-HK"), (), 3),
    Framework("mqf", "MY", 8, (3, 7), "mqf-credit", 40, (1, 2, 3, 4), ("en", "ms"), ("mqa",), 4),
    Framework("nsqf", "IN", 8, (3, 6), "ncrf-credit", 30, (1, 2, 3, 4, 5), ("en", "hi"), (), 3),
    Framework("fqf", "FJ", 10, (2, 7), "fqf-credit", 10, (5, 10, 20), ("en",), ("fhec",), 1),
)

FIELDS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # the ISCED-F 2013 detailed fields of the bundled data: code, name, topics (for titles),
    # skills (made-up concepts the outcomes align to)
    ("0111", "Education science", ("Online Teaching", "Assessment Design", "Inclusive Education", "Learning Design"),
     ("design online lessons", "design assessments", "adapt teaching for diverse learners",
      "give feedback on learning", "evaluate teaching programmes", "use learning analytics")),
    ("0211", "Audio-visual techniques and media production", ("Video Production", "Podcast Production",
                                                               "Motion Graphics", "Photography"),
     ("operate a video camera", "edit video", "record and mix audio", "light a scene", "animate graphics",
      "plan a media production")),
    ("0413", "Management and administration", ("Project Management", "Team Leadership", "Operations Management",
                                               "Change Management"),
     ("plan projects", "lead teams", "manage budgets", "assess risks", "negotiate with stakeholders",
      "improve business processes")),
    ("0414", "Marketing and advertising", ("Digital Marketing", "Social Media Strategy", "Brand Management",
                                           "Content Marketing"),
     ("run online campaigns", "analyse market data", "create marketing content", "optimise web content for search",
      "manage a brand", "measure campaign performance")),
    ("0542", "Statistics", ("Applied Statistics", "Survey Methods", "Statistical Modelling", "Biostatistics"),
     ("design surveys", "sample populations", "fit regression models", "test hypotheses",
      "report statistical results", "use statistical software")),
    ("0611", "Computer use", ("Digital Literacy", "Spreadsheets for Business", "Productivity Software",
                              "Cyber Hygiene"),
     ("use spreadsheet software", "manage digital files", "use office software", "apply digital safety practices",
      "collaborate online", "search for information online")),
    ("0612", "Database and network design and administration", ("Cloud Networking", "Database Administration",
                                                                 "Network Security", "Systems Administration"),
     ("administer databases", "configure network devices", "monitor network performance", "design database schemas",
      "secure networks", "back up and restore systems")),
    ("0613", "Software and applications development and analysis", ("Python Programming", "Web Development",
                                                                     "Data Analytics", "Mobile App Development"),
     ("write Python code", "test software", "analyse data sets", "build web interfaces", "use version control",
      "design software architecture")),
)

COUNTRY_PLACES = {
    "NZ": ("Auckland", "Wellington", "Christchurch", "Hamilton", "Dunedin", "Tauranga"),
    "HK": ("Kowloon", "Sha Tin", "Tsuen Wan", "Wan Chai", "Tuen Mun", "Sai Kung"),
    "MY": ("Kuala Lumpur", "Penang", "Johor Bahru", "Kuching", "Ipoh", "Kota Kinabalu"),
    "IN": ("Pune", "Chennai", "Bengaluru", "Kolkata", "Jaipur", "Kochi"),
    "FJ": ("Suva", "Lautoka", "Nadi", "Labasa", "Ba", "Sigatoka"),
}
PROVIDER_PATTERNS = ("{place} Institute of {area}", "{place} Polytechnic", "{place} College of {area}",
                     "University of {place}", "{place} {area} Academy", "{place} Skills Centre",
                     "{place} Open Learning", "{place} Technical Institute")
PROVIDER_AREAS = ("Technology", "Business", "Health", "Applied Sciences", "Trades", "Hospitality",
                  "Design", "Education")
TITLE_FORMS = ("{topic}", "Foundations of {topic}", "Applied {topic}", "{topic} in Practice",
               "Advanced {topic}", "Introduction to {topic}", "{topic} for Professionals", "{topic} Essentials")
OUTCOME_FORMS = ("{Skill} in a workplace setting", "{Skill} following industry standards",
                 "{Skill} and explain the choices made", "{Skill} under supervision",
                 "{Skill} independently", "{Skill} for a real client brief")
MODES = ("Online", "Onsite", "Blended")
QUALIFICATION_TYPES = ("Certificate", "Diploma", "Advanced Diploma", "Graduate Certificate")
# Credits a qualification's stacking rule requires, by its level (NZ-style credits of 10 notional
# hours; other systems get the same hours: 60 NZQCF credits are 15 MQF credits of 40 hours).
REQUIRED_HOURS = ((4, 600), (6, 1200), (99, 2400))  # up to level 4: 60 credits, 5-6: 120, 7+: 240
COMPONENT_CANDIDATES = 6  # parts of a qualification kept (level and field fit) to pick components from

# How a credential is broken for --violations; each kind yields exactly one Violation.
VIOLATION_KINDS = (
    "missing-title",      # no dct:title (mcsh:Credential-title, sh:minCount)
    "hours-integer",      # mc:notionalHours "40"^^xsd:integer (mcsh:Credential-notionalHours, sh:datatype)
    "level-not-a-level",  # mc:level points at the framework (mcsh:Credential-level, sh:class)
    "qa-dates-swapped",   # a QA decision ending before it starts (mcsh:QADecision-validityPeriod)
    "mode-unknown",       # mc:mode mc:Distance (mcsh:Credential-mode, sh:in)
)


# -- terms ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IRI:
    value: str


@dataclass(frozen=True)
class BNode:
    label: str


@dataclass(frozen=True)
class Lit:
    lexical: str
    datatype: str | None = None
    lang: str | None = None


def lit_integer(value: int) -> Lit:
    return Lit(str(value), XSD + "integer")


def lit_decimal(value: float) -> Lit:
    text = f"{value:.2f}".rstrip("0")
    return Lit(text + "0" if text.endswith(".") else text, XSD + "decimal")  # 150.0, 0.5


TRUE = Lit("true", XSD + "boolean")
Term = IRI | BNode | Lit


@dataclass
class Resource:
    subject: IRI | BNode
    props: list[tuple[str, Term]] = field(default_factory=list)

    def add(self, predicate: str, obj: Term) -> Resource:
        self.props.append((predicate, obj))
        return self


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))


class Writer:
    """Writes resources as Turtle (prefixed names) or N-Triples, one block or line at a time."""

    def __init__(self, handle, fmt: str) -> None:
        self.handle, self.fmt, self.triples = handle, fmt, 0
        self._by_length = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
        if fmt == "ttl":
            handle.write("".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items()) + "\n")

    def term(self, t: Term) -> str:
        if isinstance(t, IRI):
            if self.fmt == "ttl":
                for prefix, base in self._by_length:
                    if t.value.startswith(base):
                        local = t.value[len(base):]
                        if local and all(c.isalnum() or c in "-_" for c in local):
                            return f"{prefix}:{local}"
                        break
            if t.value == RDF_TYPE and self.fmt == "ttl":
                return "a"
            return f"<{t.value}>"
        if isinstance(t, BNode):
            return f"_:{t.label}"
        if t.lang:
            return f'"{_escape(t.lexical)}"@{t.lang}'
        if t.datatype and t.datatype != XSD + "string":
            if self.fmt == "ttl" and t.datatype in (XSD + "boolean",) and t.lexical in ("true", "false"):
                return t.lexical
            return f'"{_escape(t.lexical)}"^^{self.term(IRI(t.datatype))}'
        return f'"{_escape(t.lexical)}"'

    def write(self, resource: Resource) -> None:
        s = self.term(resource.subject)
        self.triples += len(resource.props)
        if self.fmt == "nt":
            self.handle.write("".join(f"{s} {self.term(IRI(p))} {self.term(o)} .\n" for p, o in resource.props))
            return
        body = " ;\n    ".join(f"{'a' if p == RDF_TYPE else self.term(IRI(p))} {self.term(o)}"
                               for p, o in resource.props)
        self.handle.write(f"{s} {body} .\n")


# -- the generator -------------------------------------------------------------------------------
@dataclass
class Provider:
    iri: IRI
    name: str
    framework: Framework
    qualifications: list[tuple[IRI, int]] = field(default_factory=list)  # (IRI, level notation)


@dataclass
class RuleSpec:
    """A qualification's stacking rule, decided with the pools and written after the credentials
    (its components are micro-credentials generated as parts of the qualification)."""
    iri: IRI
    qualification: IRI
    framework: Framework
    required: int  # in the framework's credit system
    cap_micro: int
    cap_prior: int | None
    min_level: int
    fields: tuple[str, ...]  # ISCED-F codes, the qualification's own first
    accepts_unlisted: bool
    rounding: str | None
    structure: str | None  # None, "component" (required component) or "group" (n of m)
    candidates: list[tuple[IRI, IRI]] = field(default_factory=list)  # (part, its first outcome)


class Generator:
    """Yields the dataset resource by resource: pools first, then credentials, then the skills used."""

    def __init__(self, credentials: int, seed: int = 1, prefix: str = "syn", violations: int = 0) -> None:
        if not 0 <= violations <= credentials:
            raise ValueError("--violations must be between 0 and the number of credentials")
        self.n, self.prefix, self.violations = credentials, prefix, violations
        self.rng = random.Random(seed)
        self.rule_rng = random.Random(f"stacking-rules-{seed}")  # rules: their own stream
        self.rules: dict[IRI, RuleSpec] = {}  # qualification -> its rule, in pool order
        self.broken: dict[int, str] = {}  # credential index -> violation kind
        self.skills_used: set[tuple[int, int]] = set()

    def iri(self, kind: str, local: str) -> IRI:
        return IRI(f"{ID}{kind}/{self.prefix}-{local}")

    # pools ------------------------------------------------------------------------------------
    def providers(self) -> list[Provider]:
        count = max(5, self.n // 100)
        rng = self.rng
        weights = [f.weight for f in FRAMEWORKS]
        names: set[str] = set()
        pool: list[Provider] = []
        for k in range(1, count + 1):
            framework = rng.choices(FRAMEWORKS, weights)[0]
            name = ""
            for attempt in range(1000):
                name = rng.choice(PROVIDER_PATTERNS).format(place=rng.choice(COUNTRY_PLACES[framework.country]),
                                                            area=rng.choice(PROVIDER_AREAS))
                if attempt >= 20:  # the pool of plain names is used up: number the campuses
                    name += f", campus {attempt}"
                if name not in names:
                    break
            names.add(name)
            provider = Provider(self.iri("org", f"provider-{k:05d}"), name, framework)
            low, high = framework.mc_levels
            for j in range(1, rng.choice((1, 2, 2, 3)) + 1):
                level = rng.randint(max(low + 1, 3), min(high + 2, framework.levels))
                provider.qualifications.append((self.iri("credential", f"qual-{k:05d}-{j}"), level))
            pool.append(provider)
        return pool

    def provider_resources(self, provider: Provider) -> Iterator[Resource]:
        f = provider.framework
        yield (Resource(provider.iri).add(RDF_TYPE, IRI(MC + "Provider"))
               .add(SKOS + "prefLabel", Lit(provider.name, lang="en"))
               .add(MC + "country", IRI(f"{ID}country/{f.country}"))
               .add(MC + "illustrative", TRUE))
        if f.qa_agencies:
            yield self.qa_decision(provider.iri, f, provider.iri.value.rsplit("/", 1)[-1][len(self.prefix) + 1:])
        for qual, level in provider.qualifications:
            kind = QUALIFICATION_TYPES[min(len(QUALIFICATION_TYPES) - 1, max(0, level - 4))]
            code, _, topics, _ = self.rng.choice(FIELDS)
            title = f"{kind} in {self.rng.choice(topics)}"
            rule = self.rules[qual] = self.rule_spec(qual, f, level, code)
            yield (Resource(qual).add(RDF_TYPE, IRI(MC + "Qualification"))
                   .add(DCT + "title", Lit(title, lang="en"))
                   .add(DCT + "description", Lit(f"{title}, a level {level} qualification of the {f.slug.upper()} "
                                                 f"awarded by {provider.name}.", lang="en"))
                   .add(MC + "awardingBody", provider.iri)
                   .add(MC + "level", IRI(f"{ID}level/{f.slug}-{level}"))
                   .add(MC + "field", IRI(f"{ID}isced/{code}"))
                   .add(MC + "issuerCountry", IRI(f"{ID}country/{f.country}"))
                   .add(MC + "stackingRule", rule.iri)
                   .add(MC + "illustrative", TRUE))

    # stacking rules ---------------------------------------------------------------------------
    def rule_spec(self, qual: IRI, f: Framework, level: int, code: str) -> RuleSpec:
        rng = self.rule_rng
        hours = next(h for top, h in REQUIRED_HOURS if level <= top)
        required = max(1, round(hours / f.hours_per_credit))
        others = [c for c, *_ in FIELDS if c != code]
        fields = (code, *sorted(rng.sample(others, rng.choice((0, 1, 1, 2)))))
        roll = rng.random()
        return RuleSpec(
            iri=IRI(f"{ID}rule/{qual.value.rsplit('/', 1)[-1]}"), qualification=qual, framework=f,
            required=required,
            cap_micro=max(1, int(required * rng.choice((0.25, 1 / 3, 0.5)))),  # whole credits, rounded down
            cap_prior=int(required * rng.choice((0.25, 0.5))) if rng.random() < 0.3 else None,
            min_level=max(1, level - rng.choice((1, 2))),
            fields=fields,
            accepts_unlisted=rng.random() < 0.5,
            rounding=rng.choice(("nearest", "up", "none")) if rng.random() < 0.2 else None,
            structure="component" if roll < 0.15 else "group" if roll < 0.25 else None)

    def note_part(self, qual: IRI, cred: IRI, level: int, code: str, first_outcome: IRI) -> None:
        """Keep a few parts of a qualification whose rule wants components (bounded memory)."""
        rule = self.rules[qual]
        if (rule.structure and len(rule.candidates) < COMPONENT_CANDIDATES
                and level >= rule.min_level and code in rule.fields):
            rule.candidates.append((cred, first_outcome))

    def rule_resources(self, rule: RuleSpec) -> Iterator[Resource]:
        local = rule.iri.value.rsplit("/", 1)[-1]
        credits = BNode(f"rc-{local}")
        r = (Resource(rule.iri).add(RDF_TYPE, IRI(MC + "StackingRule"))
             .add(MC + "requiredCredits", credits)
             .add(MC + "maxMicroCredentialCredits", lit_decimal(rule.cap_micro)))
        if rule.cap_prior is not None:
            r.add(MC + "maxPriorLearningCredits", lit_decimal(rule.cap_prior))
        r.add(MC + "minimumLevel", IRI(f"{ID}level/{rule.framework.slug}-{rule.min_level}"))
        for code in rule.fields:
            r.add(MC + "acceptedField", IRI(f"{ID}isced/{code}"))
        r.add(MC + "acceptsUnlistedCredentials", Lit("true" if rule.accepts_unlisted else "false", XSD + "boolean"))
        if rule.rounding:
            r.add(MC + "conversionRounding", Lit(rule.rounding))
        group = None
        parts = rule.candidates
        if rule.structure == "component" and parts:
            part, outcome = parts[self.rule_rng.randrange(len(parts))]
            r.add(MC + "requiredComponent", part).add(MC + "requiredOutcome", outcome)
        elif rule.structure == "group" and len(parts) >= 2:
            members = self.rule_rng.sample(parts, min(len(parts), self.rule_rng.choice((2, 3))))
            group = Resource(BNode(f"cg-{local}")).add(RDF_TYPE, IRI(MC + "ComponentGroup"))
            for part, _ in sorted(members, key=lambda m: m[0].value):
                group.add(MC + "groupMember", part)
            if self.rule_rng.random() < 0.7:  # n of m; otherwise all of them
                group.add(MC + "minMembers", lit_integer(self.rule_rng.randint(1, len(members) - 1)))
            r.add(MC + "componentGroup", group.subject).add(MC + "requiredOutcome", members[0][1])
        r.add(MC + "illustrative", TRUE)
        yield r
        yield (Resource(credits).add(RDF_TYPE, IRI(MC + "CreditValue"))
               .add(MC + "creditAmount", lit_decimal(rule.required))
               .add(MC + "creditSystem", IRI(f"{ID}credit-system/{rule.framework.credit_system}")))
        if group is not None:
            yield group

    def qa_decision(self, subject: IRI, f: Framework, local: str, swapped: bool = False) -> Resource:
        start = date(self.rng.randint(2020, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28))
        until = start.replace(year=start.year + self.rng.choice((3, 5, 7)))
        if swapped:  # an injected violation: the decision ends before it starts
            start, until = until, start
        return (Resource(self.iri("qa-decision", local)).add(RDF_TYPE, IRI(MC + "QADecision"))
                .add(MC + "qaAgency", IRI(f"{ID}org/{self.rng.choice(f.qa_agencies)}"))
                .add(MC + "qaSubject", subject)
                .add(MC + "decision", Lit(self.rng.choice(("accredited", "approved", "accredited with conditions"))))
                .add(MC + "validFrom", Lit(start.isoformat(), XSD + "date"))
                .add(MC + "validUntil", Lit(until.isoformat(), XSD + "date"))
                .add(MC + "illustrative", TRUE))

    def skill_iri(self, field_index: int, skill_index: int) -> IRI:
        self.skills_used.add((field_index, skill_index))
        return self.iri("skill", f"{FIELDS[field_index][0]}-{skill_index + 1:02d}")

    def skill_resources(self) -> Iterator[Resource]:
        for fi, si in sorted(self.skills_used):
            code, _, _, skills = FIELDS[fi]
            yield (Resource(self.skill_iri(fi, si)).add(RDF_TYPE, IRI(SKOS + "Concept"))
                   .add(SKOS + "prefLabel", Lit(skills[si], lang="en"))
                   .add(SKOS + "notation", Lit(f"{code}-{si + 1:02d}"))
                   .add(MC + "illustrative", TRUE))

    # credentials ------------------------------------------------------------------------------
    def credential(self, i: int, provider: Provider) -> Iterator[Resource]:
        rng, f = self.rng, provider.framework
        kind = self.broken.get(i)
        if kind == "qa-dates-swapped" and not f.qa_agencies:
            kind = "mode-unknown"  # no agency in that country to take a decision
        local = f"mc-{i:06d}"
        cred = self.iri("credential", local)
        fi = rng.randrange(len(FIELDS))
        code, field_name, topics, skills = FIELDS[fi]
        topic = rng.choice(topics)
        title = rng.choice(TITLE_FORMS).format(topic=topic)
        level = rng.randint(*f.mc_levels)
        amount = rng.choice(f.amounts)
        hours = amount * f.hours_per_credit
        mode = rng.choice(MODES)
        language = rng.choice(f.languages) if rng.random() < 0.3 else f.languages[0]
        cv = BNode(f"cv-{self.prefix}-{i}")
        r = Resource(cred).add(RDF_TYPE, IRI(MC + "MicroCredential"))
        if kind != "missing-title":
            r.add(DCT + "title", Lit(title, lang="en"))
        r.add(DCT + "description", Lit(
            f"A {hours:g}-hour {mode.lower()} micro-credential in {topic.lower()} ({field_name.lower()}) at level "
            f"{level} of the {f.slug.upper()}, awarded by {provider.name}.", lang="en"))
        r.add(MC + "awardingBody", provider.iri)
        r.add(MC + "level", IRI(f"{ID}framework/{f.slug}") if kind == "level-not-a-level"
              else IRI(f"{ID}level/{f.slug}-{level}"))
        r.add(MC + "creditValue", cv)
        r.add(MC + "notionalHours", Lit(f"{hours:g}", XSD + "integer") if kind == "hours-integer"
              else lit_decimal(hours))
        r.add(MC + "mode", IRI(MC + ("Distance" if kind == "mode-unknown" else mode)))
        r.add(DCT + "language", Lit(language, XSD + "language"))
        r.add(MC + "field", IRI(f"{ID}isced/{code}"))
        r.add(MC + "issuerCountry", IRI(f"{ID}country/{f.country}"))
        outcomes = []
        count = rng.choices((3, 4, 5, 6), (35, 35, 20, 10))[0]
        order = rng.sample(range(len(skills)), len(skills))
        for k in range(1, count + 1):
            si = order[(k - 1) % len(order)]
            o = self.iri("outcome", f"{local}-{k}")
            r.add(MC + "learningOutcome", o)
            text = rng.choice(OUTCOME_FORMS).format(Skill=skills[si][0].upper() + skills[si][1:])
            outcomes.append(Resource(o).add(RDF_TYPE, IRI(MC + "LearningOutcome"))
                            .add(DCT + "description", Lit(text, lang="en"))
                            .add(MC + "alignedSkill", self.skill_iri(fi, si))
                            .add(MC + "illustrative", TRUE))
        parents = [q for q, qlevel in provider.qualifications if qlevel >= level]
        if parents and rng.random() < 0.4:
            parent = rng.choice(parents)
            r.add(MC + "isPartOf", parent)
            if kind is None:  # a broken credential never becomes a rule's component
                self.note_part(parent, cred, level, code, outcomes[0].subject)
        r.add(MC + "illustrative", TRUE)
        yield r
        yield (Resource(cv).add(RDF_TYPE, IRI(MC + "CreditValue"))
               .add(MC + "creditAmount", lit_decimal(amount))
               .add(MC + "creditSystem", IRI(f"{ID}credit-system/{f.credit_system}")))
        yield from outcomes
        if f.qa_agencies and (rng.random() < 0.3 or kind == "qa-dates-swapped"):
            yield self.qa_decision(cred, f, local, swapped=kind == "qa-dates-swapped")

    def resources(self) -> Iterator[Resource]:
        providers = self.providers()
        picks = random.Random(self.rng.random()).sample(range(1, self.n + 1), self.violations)
        self.broken = {i: VIOLATION_KINDS[j % len(VIOLATION_KINDS)] for j, i in enumerate(sorted(picks))}
        for provider in providers:
            yield from self.provider_resources(provider)
        for i in range(1, self.n + 1):
            yield from self.credential(i, self.rng.choice(providers))
        for rule in self.rules.values():
            yield from self.rule_resources(rule)
        yield from self.skill_resources()


def generate(out: Path, credentials: int, seed: int = 1, prefix: str = "syn", violations: int = 0) -> int:
    """Write the dataset to `out` (.ttl or .nt); returns the number of triples."""
    fmt = {".ttl": "ttl", ".nt": "nt"}.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"{out}: use a .ttl (Turtle) or .nt (N-Triples) file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    gen = Generator(credentials, seed, prefix, violations)
    with out.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as handle:
        writer = Writer(handle, fmt)
        for resource in gen.resources():
            writer.write(resource)
    return writer.triples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=10_000, help="number of micro-credentials")
    parser.add_argument("--out", type=Path, required=True, help="output file: .ttl (Turtle) or .nt (N-Triples)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same file)")
    parser.add_argument("--prefix", default="syn", help="slug put in every generated IRI (default: syn)")
    parser.add_argument("--violations", type=int, default=0, help="break N credentials, one Violation each")
    args = parser.parse_args(argv)
    if not args.prefix or not all(c.isalnum() or c == "-" for c in args.prefix):
        parser.error("--prefix must be letters, digits and hyphens")
    if args.credentials < 1:
        parser.error("--credentials must be at least 1")
    try:
        triples = generate(args.out, args.credentials, args.seed, args.prefix, args.violations)
    except ValueError as err:
        parser.error(str(err))
    print(f"{args.out}: {triples} triples, {args.credentials} credentials "
          f"({triples / max(args.credentials, 1):.1f} per credential), {args.violations} violation(s) injected",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
