"""SHACL validation of a built graph against ``ontology/shapes.ttl`` (pySHACL, ontology mixed in)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, Graph

from kg.export import union_graph
from kg.ontology import SHAPES_FILE, ontology_graph

__all__ = ["ValidationReport", "validate"]


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool  # no violation (warnings allowed)
    violations: int
    warnings: int
    text: str


def validate(ds: Dataset | Graph) -> ValidationReport:
    """Validate ``ds``; violations make ``conforms`` False, warnings do not."""
    import pyshacl
    from rdflib.namespace import SH

    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    _, report, text = pyshacl.validate(
        union_graph(ds), shacl_graph=shapes, ont_graph=ontology_graph(), inference="none",
        abort_on_first=False, allow_warnings=True, meta_shacl=False, advanced=True,
    )
    violations = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Violation))
    warnings = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Warning))
    return ValidationReport(violations == 0, violations, warnings, text)
