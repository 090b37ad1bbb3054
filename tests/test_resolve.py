"""Entity resolution on hand-made extractions (no parser involved)."""

from __future__ import annotations

from kg.model import Article, ArticleExtraction, Mention, Relation, Sentence
from kg.resolve import normalise, resolve


def _ex(article_id: str, mentions: list[tuple], relations: list[tuple] = ()) -> ArticleExtraction:
    """mentions: (text, cls, kind[, antecedent[, aliases]]); relations: (s, predicate, o[, asserted])."""
    text = " ".join(m[0] for m in mentions) + "."
    ms, pos = [], 0
    for m in mentions:
        t, cls, kind = m[0], m[1], m[2]
        ant = m[3] if len(m) > 3 else None
        aliases = m[4] if len(m) > 4 else ()
        ms.append(Mention(t, pos, pos + len(t), 0, cls, kind, ant, tuple(aliases), "ner"))
        pos += len(t) + 1
    rels = []
    for r in relations:
        asserted = r[3] if len(r) > 3 else True
        rels.append(Relation(r[0], r[2], r[1], r[1], 0, "active", 0.9,
                             "positive" if asserted else "negative"))
    return ArticleExtraction(Article(article_id, text), (Sentence(0, 0, len(text), text),), tuple(ms), tuple(rels))


def _by_label(kg):
    return {e.label: e for e in kg.entities}


def test_same_name_in_two_articles_is_one_entity_with_both_articles():
    kg = resolve([
        _ex("a", [("Ana Lopez", "Person", "name"), ("letter", "Letter", "nominal")], [(0, "signed", 1)]),
        _ex("b", [("Ana Lopez", "Actor", "name")]),
    ])
    ana = _by_label(kg)["Ana Lopez"]
    assert ana.articles == ("a", "b")
    assert ana.cls == "Actor"  # the more specific compatible class wins


def test_surname_joins_the_only_person_with_that_surname():
    kg = resolve([
        _ex("a", [("Ana Lopez", "Person", "name")]),
        _ex("b", [("Lopez", "Person", "name"), ("deal", "Agreement", "nominal")], [(0, "criticizes", 1)]),
    ])
    labels = _by_label(kg)
    assert "Lopez" not in labels
    assert "Lopez" in labels["Ana Lopez"].alt_labels
    assert any(f.subject == labels["Ana Lopez"].key and f.predicate == "criticizes" for f in kg.facts)


def test_two_people_sharing_a_surname_stay_apart():
    kg = resolve([
        _ex("a", [("Ana Lopez", "Person", "name")]),
        _ex("b", [("Carlos Lopez", "Person", "name")]),
        _ex("c", [("Lopez", "Person", "name")]),
    ])
    labels = _by_label(kg)
    assert {"Ana Lopez", "Carlos Lopez", "Lopez"} <= set(labels)
    assert labels["Ana Lopez"].key != labels["Carlos Lopez"].key


def test_acronym_and_long_form_merge_across_articles():
    kg = resolve([
        _ex("a", [("Writers Guild of America", "LaborUnion", "name", None, ["WGA"])]),
        _ex("b", [("WGA", "Organization", "name")]),
    ])
    labels = _by_label(kg)
    wga = labels["Writers Guild of America"]
    assert "WGA" in wga.alt_labels and wga.articles == ("a", "b") and wga.cls == "LaborUnion"
    assert "WGA" not in labels


def test_incompatible_types_do_not_merge():
    kg = resolve([_ex("a", [("Jordan", "Person", "name")]), _ex("b", [("Jordan", "Place", "name")])])
    jordans = [e for e in kg.entities if e.label == "Jordan"]
    assert len(jordans) == 2 and len({e.key for e in jordans}) == 2


def test_descriptions_are_scoped_to_their_article_concepts_are_not():
    kg = resolve([
        _ex("a", [("Acme", "Company", "name"), ("open letter", "Letter", "nominal"), ("fair use", "LegalConcept", "nominal")],
            [(0, "signed", 1), (0, "argues", 2)]),
        _ex("b", [("Globex", "Company", "name"), ("open letter", "Letter", "nominal"), ("fair use", "LegalConcept", "nominal")],
            [(0, "signed", 1), (0, "argues", 2)]),
    ])
    letters = [e for e in kg.entities if e.label == "open letter"]
    uses = [e for e in kg.entities if e.label == "fair use"]
    assert len(letters) == 2 and len(uses) == 1
    assert uses[0].articles == ("a", "b")


def test_coreference_cluster_becomes_one_entity_and_fact_subject():
    kg = resolve([_ex("a", [("Ana Lopez", "Person", "name"), ("she", "Concept", "pronoun", 0),
                           ("letter", "Letter", "nominal")], [(1, "signed", 2)])])
    labels = _by_label(kg)
    assert "she" not in labels
    fact = next(f for f in kg.facts if f.predicate == "signed")
    assert fact.subject == labels["Ana Lopez"].key


def test_negated_relation_becomes_a_claim_not_a_fact():
    kg = resolve([_ex("a", [("Ana Lopez", "Person", "name"), ("letter", "Letter", "nominal")], [(0, "signed", 1, False)])])
    assert [f.status for f in kg.facts] == ["claim"]


def test_low_confidence_relation_becomes_a_candidate():
    ex = _ex("a", [("Acme", "Company", "name"), ("Globex", "Company", "name")], [(0, "sued", 1)])
    assert [f.status for f in resolve([ex], min_confidence=0.95).facts] == ["candidate"]
    assert [f.status for f in resolve([ex], min_confidence=0.5).facts] == ["fact"]


def test_confidence_combines_articles_not_repetitions():
    one = resolve([_ex("a", [("Acme", "Company", "name"), ("Globex", "Company", "name")], [(0, "sued", 1), (0, "sued", 1)])])
    two = resolve([_ex("a", [("Acme", "Company", "name"), ("Globex", "Company", "name")], [(0, "sued", 1)]),
                   _ex("b", [("Acme", "Company", "name"), ("Globex", "Company", "name")], [(0, "sued", 1)])])
    f1, f2 = one.facts[0], two.facts[0]
    assert f1.confidence == 0.9 and f2.confidence > 0.98
    assert f2.support == 2 and f2.article_count == 2


def test_resolution_is_independent_of_input_order():
    exs = [_ex("a", [("Ana Lopez", "Person", "name"), ("letter", "Letter", "nominal")], [(0, "signed", 1)]),
           _ex("b", [("Lopez", "Person", "name")]), _ex("c", [("WGA", "LaborUnion", "name")])]
    assert resolve(exs) == resolve(list(reversed(exs)))


def test_normalise():
    assert normalise("The Union’s") == normalise("union")
    assert normalise("Allied Screen Performers Union – International Federation") == "allied screen performers union international federation"


def test_pronoun_without_antecedent_names_no_entity_and_states_no_fact():
    kg = resolve([_ex("a", [("it", "Concept", "pronoun"), ("Acme Corp", "Company", "name")], [(0, "sued", 1)])])
    assert set(_by_label(kg)) == {"Acme Corp"}
    assert not [f for f in kg.facts if f.predicate == "sued"]


def test_coreference_roots_group_exactly_the_linked_mentions():
    """Mentions share a root exactly when antecedent links connect them (checked against a
    breadth-first search), whatever the link shape: chains, forks, links forward as well as
    back, links outside the article (damaged data); mentions without links keep their own."""
    import random

    from kg.resolve import _coreference_roots

    rng = random.Random(7)
    for trial in range(300):
        n = rng.randint(0, 12)
        links = [rng.choice([rng.randrange(n)] * 8 + [-1, n, n + 3]) if n and rng.random() < 0.4 else None
                 for _ in range(n)]
        mentions = tuple(Mention(f"m{i}", i, i + 1, 0, "Person", "name", a) for i, a in enumerate(links))
        roots = _coreference_roots(mentions)
        neighbours: dict[int, set[int]] = {}
        for i, a in enumerate(links):
            if a is not None:
                neighbours.setdefault(i, set()).add(a)
                neighbours.setdefault(a, set()).add(i)
        for i in range(n):
            reach, frontier = {i}, [i]
            while frontier:
                frontier = [b for x in frontier for b in neighbours.get(x, ()) if b not in reach]
                reach.update(frontier)
            assert {j for j in range(n) if roots[j] == roots[i]} == reach & set(range(n)), links
        if all(a is None for a in links):
            assert roots == list(range(n))


def _corpus():
    return [
        _ex("a", [("Ana Lopez", "Person", "name"), ("letter", "Letter", "nominal")], [(0, "signed", 1)]),
        _ex("b", [("Lopez", "Person", "name"), ("Acme Studios", "Company", "name")], [(0, "criticizes", 1)]),
        _ex("c", [("Acme Studios", "Organization", "name"), ("Ana Lopez", "Actor", "name")], [(0, "hired", 1)]),
        _ex("d", [("Ben Ode", "Person", "name"), ("Acme Studios", "Company", "name")], [(0, "sued", 1)]),
    ]


def test_resolver_gives_resolve_s_graph_whatever_the_order_of_add():
    from kg.resolve import Resolver

    expected = resolve(_corpus())
    for order in ([3, 2, 1, 0], [1, 3, 0, 2]):
        r = Resolver()
        for i in order:
            r.add(_corpus()[i])
        assert r.graph() == expected


def test_resolver_graph_leaves_the_articles_clusters_as_added():
    # Merging (Acme Studios of b, c and d; Lopez into Ana Lopez) must not change what add() kept:
    # a second graph(), and a graph after one more article, are those of a fresh resolution.
    from kg.resolve import Resolver

    r = Resolver()
    for ex in _corpus():
        r.add(ex)
    first = r.graph()
    assert r.graph() == first
    acme = _by_label(first)["Acme Studios"]
    assert acme.articles == ("b", "c", "d") and acme.mention_count == 3
    more = _ex("e", [("Acme Studios", "Company", "name")])
    r.add(more)
    assert r.graph() == resolve([*_corpus(), more])
    assert _by_label(r.graph())["Acme Studios"].mention_count == 4


def test_resolver_replaces_an_article_added_again_and_forgets_a_discarded_one():
    from kg.resolve import Resolver

    r = Resolver()
    for ex in _corpus():
        r.add(ex)
    changed = _ex("d", [("Ben Ode", "Person", "name"), ("Zeta Labs", "Company", "name")], [(0, "sued", 1)])
    r.add(changed)
    assert len(r) == 4
    assert r.graph() == resolve([*_corpus()[:3], changed])
    r.discard("d")
    assert "d" not in r
    assert r.graph() == resolve(_corpus()[:3])


def test_work_prepared_ahead_changes_no_graph():
    """prepare() makes clusters ahead, a few articles per call; graph() uses them once (they are
    merged then), and an article added again or discarded after prepare() is not served stale."""
    from kg.resolve import Resolver

    corpus = _corpus()
    r = Resolver()
    for ex in corpus[:3]:
        r.add(ex)
    steps = []
    while True:
        steps.append(r.prepare(articles=2))
        if not steps[-1]:
            break
    assert steps == [True, False]  # 3 articles, 2 a call
    assert not r.prepare()  # nothing left
    r.add(corpus[3])  # arrives after the others were prepared
    assert r.graph() == resolve(corpus)
    assert r.graph() == resolve(corpus)  # the prepared clusters served the first call only
    r.prepare(articles=10)
    changed = _ex("d", [("Ben Ode", "Person", "name"), ("Zeta Labs", "Company", "name")], [(0, "sued", 1)])
    r.add(changed)  # replaces a prepared article
    r.discard("a")
    assert r.graph() == resolve([*corpus[1:3], changed])
