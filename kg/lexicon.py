"""Rule and lexicon data from ``ontology/lexicon/``: loaded once, validated on load.

Every file is a tab-separated table with a header row; ``#`` starts a comment line. A malformed
row raises :class:`kg.errors.RuleError` naming the file, the line and the problem, so a typo in
the data never silently weakens extraction.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kg.errors import RuleError
from kg.ontology import CLASSES, ONTOLOGY_DIR, PREDICATES

__all__ = [
    "LEXICON_DIR",
    "Frame",
    "Lexicon",
    "load_lexicon",
    "read_table",
]

LEXICON_DIR = ONTOLOGY_DIR / "lexicon"

FRAME_POS = frozenset({"VERB", "NOUN", "ADJ"})
FRAME_FLAGS = frozenset({"inverse", "xcomp", "clause", "reporting", "patient", "intransitive", "destination", "charge"})
TYPE_KINDS = frozenset({"head", "role", "suffix", "prefix", "word", "title"})
MODALITY_KINDS = frozenset(
    {"negation", "modal", "hedge", "condition", "prohibition", "nonfactive", "negative-prep"}
)
MODALITY_EFFECTS = frozenset({"negative", "hypothetical", "prohibited", "reported"})
NOUN_KINDS = frozenset({"transparent", "group", "not-entity", "source", "measure", "possession", "physical", "medium", "fixed"})


@dataclass(frozen=True, slots=True)
class Frame:
    """One row of predicates.tsv: a word (with optional light noun and preposition) → predicate."""

    pos: str
    lemma: str
    noun: str | None
    prep: str | None  # None: direct object; "*": any preposition
    predicate: str
    inverse: bool = False
    xcomp: bool = False
    clause: bool = False
    reporting: bool = False
    patient: bool = False
    intransitive: bool = False
    destination: bool = False
    charge: bool = False


def read_table(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row of a TSV file with the given header."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"{path}: cannot read ({exc.strerror})") from exc
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if not header_seen:
            if tuple(cells) != columns:
                raise RuleError(f"{path}:{lineno}: header must be {' '.join(columns)!r}, got {' '.join(cells)!r}")
            header_seen = True
            continue
        if len(cells) != len(columns):
            raise RuleError(f"{path}:{lineno}: expected {len(columns)} tab-separated columns, got {len(cells)}")
        if any(not c.strip() for c in cells):
            raise RuleError(f"{path}:{lineno}: empty cell (use '-' for none)")
        yield lineno, {k: v.strip() for k, v in zip(columns, cells)}
    if not header_seen:
        raise RuleError(f"{path}: no header row")


def _check(cond: bool, path: Path, lineno: int, msg: str) -> None:
    if not cond:
        raise RuleError(f"{path}:{lineno}: {msg}")


@dataclass(frozen=True)
class Lexicon:
    """All rule data, indexed for the extractor's lookups."""

    frames: dict[tuple[str, str, str | None, str | None], Frame]
    frame_lemmas: dict[str, frozenset[str]]  # pos → lemmas with at least one frame
    head_types: dict[str, str]  # noun lemma (or phrase) → class
    role_types: dict[str, str]  # role noun lemma → class
    suffix_types: dict[str, str]
    prefix_types: dict[str, str]
    word_types: dict[str, str]
    title_types: dict[str, str]  # "Sen" → Politician: honorifics before names
    ner_types: dict[str, str | None]
    modality: dict[str, dict[str, str]]  # kind → word → effect
    transparent: frozenset[str]
    group_nouns: frozenset[str]
    not_entities: frozenset[str]  # capitalised words that name no entity (weekdays, months)
    source_nouns: frozenset[str]  # "a threat from X": X is the referent
    measure_nouns: frozenset[str]  # "jobs", "percent": counted, they are amounts
    possession_nouns: frozenset[str]  # "responsibility", "victory": claimed, they are taken, not argued
    # (predicate, role, verb lemma or "" for every verb) → classes, "!classes", "name", "@kind"/"!@kind"
    selection: dict[tuple[str, str, str], frozenset[str]]
    roles: dict[str, str]  # role noun (optionally "modifier noun") → predicate person → organisation
    subject_control: frozenset[str] = frozenset()  # "used X to train": the subject trains
    noun_kinds: dict[str, frozenset[str]] = field(default_factory=dict)  # nouns.tsv: kind → lemmas

    def fits(self, predicate: str | None, role: str, cls: str | None, is_name: bool, verb: str | None = None,
             head: str | tuple[str, ...] | None = None) -> bool:
        """Whether an argument of class ``cls`` with head noun lemma ``head`` (or any of several
        keys: "condition" and "condition of anonymity") fits the predicate's selectional
        restrictions: the predicate's own, and those of the predicate when ``verb`` (a lemma)
        expresses it.

        A class written ``!Class`` excludes that class (and its subclasses), ``!@kind`` a head
        noun of that nouns.tsv kind; the others (classes, ``name``, ``@kind``) are required, one of
        them at least. Unknown classes fit a class requirement only when no class is required.
        """
        from kg.ontology import is_a

        keys = () if head is None else (head,) if isinstance(head, str) else head

        def holds(r: str) -> bool:
            if r == "name":
                return is_name
            if r.startswith("@"):
                kind = self.noun_kinds.get(r[1:], frozenset())
                return any(h in kind for h in keys)
            return cls is not None and is_a(cls, r)

        for key in ("", verb) if verb else ("",):
            req = self.selection.get((predicate or "", role, key))
            if not req:
                continue
            if any(holds(r[1:]) for r in req if r.startswith("!")):
                return False
            required = [r for r in req if not r.startswith("!")]
            if required and not any(holds(r) for r in required):
                return False
        return True

    def frame(self, pos: str, lemma: str, noun: str | None, prep: str | None) -> Frame | None:
        """The frame for a word with an optional light noun and preposition, if any.

        An exact preposition match wins over the "*" wildcard row.
        """
        f = self.frames.get((pos, lemma, noun, prep))
        if f is None and prep is not None:
            f = self.frames.get((pos, lemma, noun, "*"))
        return f

    def light_nouns(self, lemma: str) -> frozenset[str]:
        """Object nouns that make a light-verb construction with verb ``lemma`` ("give" → {"permission"})."""
        return self._light.get(lemma, frozenset())

    @property
    def _light(self) -> dict[str, frozenset[str]]:
        cached = self.__dict__.get("_light_cache")
        if cached is None:
            out: dict[str, set[str]] = {}
            for (pos, lemma, noun, _), frame in self.frames.items():
                if pos == "VERB" and noun is not None and not frame.destination:
                    out.setdefault(lemma, set()).add(noun)
            cached = {k: frozenset(v) for k, v in out.items()}
            object.__setattr__(self, "_light_cache", cached)
        return cached

    def noun_class(self, lemma: str, before: str = "", of: str | None = None) -> str | None:
        """The class the head-noun and role lexicons give a noun lemma: with its of-complement
        ("state of emergency"), with the word before it ("open letter"), alone; or None."""
        types = self.head_types
        return ((types.get(f"{lemma} of {of}") if of else None) or types.get(f"{before} {lemma}")
                or types.get(lemma) or self.role_types.get(lemma))

    def charges(self, lemma: str) -> bool:
        """Whether verb ``lemma``'s "of"-phrase after its object is the charge ("accused X of theft")."""
        f = self.frames.get(("VERB", lemma, None, None))
        return f is not None and f.charge

    def has_frames(self, pos: str, lemma: str) -> bool:
        return lemma in self.frame_lemmas.get(pos, frozenset())


def _load_frames(path: Path) -> dict[tuple[str, str, str | None, str | None], Frame]:
    frames: dict[tuple[str, str, str | None, str | None], Frame] = {}
    for lineno, row in read_table(path, ("pos", "lemma", "noun", "prep", "predicate", "flags")):
        _check(row["pos"] in FRAME_POS, path, lineno, f"pos must be one of {sorted(FRAME_POS)}, got {row['pos']!r}")
        _check(row["predicate"] in PREDICATES, path, lineno, f"unknown predicate {row['predicate']!r} (not in ontology/kg.ttl)")
        flags = set() if row["flags"] == "-" else set(row["flags"].split(","))
        _check(flags <= FRAME_FLAGS, path, lineno, f"unknown flag(s) {sorted(flags - FRAME_FLAGS)}")
        _check(row["lemma"] == row["lemma"].lower(), path, lineno, "lemma must be lowercase")
        noun = None if row["noun"] == "-" else row["noun"]
        prep = None if row["prep"] == "-" else row["prep"]
        key = (row["pos"], row["lemma"], noun, prep)
        _check(key not in frames, path, lineno, f"duplicate frame {key}")
        frames[key] = Frame(
            row["pos"], row["lemma"], noun, prep, row["predicate"],
            inverse="inverse" in flags, xcomp="xcomp" in flags, clause="clause" in flags,
            reporting="reporting" in flags, patient="patient" in flags, intransitive="intransitive" in flags,
            destination="destination" in flags, charge="charge" in flags,
        )
    return frames


@cache
def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Load and validate every lexicon file in ``directory`` (cached per directory)."""
    frames = _load_frames(directory / "predicates.tsv")
    frame_lemmas: dict[str, set[str]] = {}
    for pos, lemma, _, _ in frames:
        frame_lemmas.setdefault(pos, set()).add(lemma)

    typed: dict[str, dict[str, str]] = {k: {} for k in TYPE_KINDS}
    path = directory / "types.tsv"
    for lineno, row in read_table(path, ("kind", "term", "class")):
        _check(row["kind"] in TYPE_KINDS, path, lineno, f"kind must be one of {sorted(TYPE_KINDS)}")
        _check(row["class"] in CLASSES, path, lineno, f"unknown class {row['class']!r} (not in ontology/kg.ttl)")
        term = row["term"] if row["kind"] in ("suffix", "prefix", "word", "title") else row["term"].lower()
        _check(term not in typed[row["kind"]], path, lineno, f"duplicate {row['kind']} {term!r}")
        typed[row["kind"]][term] = row["class"]

    ner: dict[str, str | None] = {}
    path = directory / "ner.tsv"
    for lineno, row in read_table(path, ("label", "class")):
        _check(row["class"] == "-" or row["class"] in CLASSES, path, lineno, f"unknown class {row['class']!r}")
        ner[row["label"]] = None if row["class"] == "-" else row["class"]

    modality: dict[str, dict[str, str]] = {k: {} for k in MODALITY_KINDS}
    path = directory / "modality.tsv"
    for lineno, row in read_table(path, ("kind", "word", "effect")):
        _check(row["kind"] in MODALITY_KINDS, path, lineno, f"kind must be one of {sorted(MODALITY_KINDS)}")
        _check(row["effect"] in MODALITY_EFFECTS, path, lineno, f"effect must be one of {sorted(MODALITY_EFFECTS)}")
        modality[row["kind"]][row["word"]] = row["effect"]

    nouns: dict[str, set[str]] = {k: set() for k in NOUN_KINDS}
    path = directory / "nouns.tsv"
    for lineno, row in read_table(path, ("kind", "lemma")):
        _check(row["kind"] in NOUN_KINDS, path, lineno, f"kind must be one of {sorted(NOUN_KINDS)}")
        nouns[row["kind"]].add(row["lemma"])

    selection: dict[tuple[str, str, str], frozenset[str]] = {}
    path = directory / "selection.tsv"
    for lineno, row in read_table(path, ("predicate", "verb", "role", "requires")):
        _check(row["predicate"] in PREDICATES, path, lineno, f"unknown predicate {row['predicate']!r}")
        _check(row["role"] in ("subject", "object"), path, lineno, "role must be subject or object")
        req = frozenset(row["requires"].split("|"))
        bad = sorted(r for r in req if r != "name" and r.removeprefix("!") not in CLASSES
                     and not (r.removeprefix("!").startswith("@") and r.removeprefix("!")[1:] in NOUN_KINDS))
        _check(not bad, path, lineno, f"unknown class(es) or noun kind(s) {bad}")
        key = (row["predicate"], row["role"], "" if row["verb"] == "-" else row["verb"])
        _check(key not in selection, path, lineno, "duplicate restriction")
        selection[key] = req

    roles: dict[str, str] = {}
    path = directory / "roles.tsv"
    for lineno, row in read_table(path, ("role", "predicate")):
        _check(row["predicate"] in ("leads", "worksFor", "founded", "memberOf", "represents"), path, lineno,
               f"predicate must be leads, worksFor, founded, memberOf or represents, got {row['predicate']!r}")
        _check(row["role"] not in roles, path, lineno, f"duplicate role {row['role']!r}")
        roles[row["role"]] = row["predicate"]

    control: dict[str, str] = {}
    path = directory / "control.tsv"
    for lineno, row in read_table(path, ("verb", "controller")):
        _check(row["controller"] in ("subject", "object"), path, lineno, "controller must be subject or object")
        _check(row["verb"] == row["verb"].lower(), path, lineno, "verb must be a lowercase lemma")
        _check(row["verb"] not in control, path, lineno, f"duplicate verb {row['verb']!r}")
        control[row["verb"]] = row["controller"]

    return Lexicon(
        frames=frames,
        frame_lemmas={k: frozenset(v) for k, v in frame_lemmas.items()},
        head_types=typed["head"],
        role_types=typed["role"],
        suffix_types=typed["suffix"],
        prefix_types=typed["prefix"],
        word_types=typed["word"],
        title_types=typed["title"],
        ner_types=ner,
        modality=modality,
        transparent=frozenset(nouns["transparent"]),
        group_nouns=frozenset(nouns["group"]),
        not_entities=frozenset(nouns["not-entity"]),
        source_nouns=frozenset(nouns["source"]),
        measure_nouns=frozenset(nouns["measure"]),
        possession_nouns=frozenset(nouns["possession"]),
        noun_kinds={k: frozenset(v) for k, v in nouns.items()},
        selection=selection,
        roles=roles,
        subject_control=frozenset(v for v, c in control.items() if c == "subject"),
    )
