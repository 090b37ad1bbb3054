"""Extraction rules on small sentences of our own (real trained pipeline).

Each test states one linguistic rule and a sentence that exercises it.
"""

from __future__ import annotations

import pytest

from kg.ontology import is_a


def test_active_clause(triples):
    assert ("union", "signed", "agreement") in triples("The union signed the agreement.")


def test_passive_by_agent_with_coordination(triples):
    got = triples("The petition was signed by Ana Lopez, Ben Carter and Chloe Diaz.")
    assert {("Ana Lopez", "signed", "petition"), ("Ben Carter", "signed", "petition"),
            ("Chloe Diaz", "signed", "petition")} <= got


def test_participle_clause_with_inclusion_list(triples):
    got = triples("An open letter, signed by 200 novelists including Ana Lopez and Ben Carter, was published on Monday.")
    signers = {s for s, p, o in got if p == "signed" and "letter" in o}
    assert {"Ana Lopez", "Ben Carter"} <= signers
    assert any("novelists" in s for s in signers), "the group itself signed too ('including' keeps it)"


def test_patient_frame_addressed_to(triples):
    got = triples("The letter, addressed to the European Commission, demands new rules.")
    assert ("letter", "addressedTo", "European Commission") in got


def test_relative_clause_subject(triples):
    got = triples("The studio hired Ana Lopez, who later sued the studio.")
    assert ("Ana Lopez", "sued", "studio") in got


def test_clausal_complement_of_argument_verb(triples):
    got = triples("Acme Corp has argued that its training falls under fair use.")
    assert ("Acme Corp", "argues", "fair use") in got


def test_object_control(triples):
    got = triples("The coalition urged lawmakers to strengthen privacy protections.")
    assert ("coalition", "urges", "lawmakers") in got
    assert any(p == "urges" and "privacy protections" in o for s, p, o in got)


@pytest.mark.parametrize(
    "sentence",
    [
        "Ben Carter did not sign the petition.",
        "Ben Carter never signed the petition.",
        "Ben Carter refused to sign the petition.",
        "Ben Carter could sign the petition.",
        "Will Ben Carter sign the petition?",
        "If the talks fail, Ben Carter will sign the petition.",
        "Ben Carter likely signed the petition.",
        "Ben Carter rarely signs petitions.",
        # encouraged or invited to act, like urged or asked to: the action has not happened
        "The guild encouraged Ben Carter to sign the petition.",
        "The guild invited Ben Carter to sign the petition.",
    ],
)
def test_negation_and_modality_assert_nothing(triples, sentence):
    asserted = triples(sentence)
    assert not any(p == "signed" for _, p, _ in asserted), asserted
    # ... but the statement is kept as an unasserted claim
    assert any(p == "signed" for _, p, _ in triples(sentence, asserted=False))


def test_prohibited_action_is_not_asserted(triples):
    got = triples("The contract bans the studio from cloning his voice.")
    assert ("contract", "bans", "studio") in got
    assert not any(p == "replicates" for _, p, _ in got)


def test_possessive_noun_frame(triples):
    got = triples("Ana Lopez's participation in the boycott was widely reported.")
    assert ("Ana Lopez", "joined", "boycott") in got


def test_role_noun_with_title_modifier(triples):
    got = triples("Former Moonfall director Sam Reyes criticized the deal.")
    assert ("Sam Reyes", "directed", "Moonfall") in got
    assert ("Sam Reyes", "criticizes", "deal") in got


def test_copula_with_relational_noun(triples):
    got = triples("Ana Lopez is a member of the Writers Guild.")
    assert ("Ana Lopez", "memberOf", "Writers Guild") in got


def test_light_verb_permission(triples):
    got = triples("Ben Carter gave permission for his voice to be used in the film.")
    assert any(s == "Ben Carter" and p == "gavePermission" and "voice" in o for s, p, o in got)


def test_hearst_list_members_replace_the_general_noun(triples):
    got = triples("Companies like Acme and Globex have lobbied for looser rules.")
    assert ("Acme", "advocates", "looser rules") in got
    assert ("Globex", "advocates", "looser rules") in got


def test_unmapped_verb_is_an_open_relation(triples):
    got = triples("The union thanked the studio.")
    assert ("union", "open:thank", "studio") in got


def test_pronoun_coreference(triples):
    got = triples("Ana Lopez leads the union. She signed the letter on Friday.")
    assert ("Ana Lopez", "signed", "letter") in got


def test_quantity_object_is_not_an_entity(triples):
    got = triples("The industry supports over two million jobs.")
    assert not any("jobs" in o for _, _, o in got)


def test_sentence_offsets_point_into_the_text(extract):
    text = "Acme Corp sued Globex. The lawsuit was filed in Delaware."
    ex = extract(text)
    for s in ex.sentences:
        assert text[s.start:s.end] == s.text
    for m in ex.mentions:
        assert text[m.start:m.end].strip(" \"'“”‘’") .startswith(m.text.split()[0])


class TestTyping:
    def _classes(self, extract, text):
        ex = extract(text)
        return {m.text: m.cls for m in ex.mentions}

    def test_acronym_definition_types_the_long_form(self, extract):
        ex = extract("The Writers Guild of America (WGA) criticized the deal. The WGA represents writers.")
        long_form = [m for m in ex.mentions if m.text.startswith("Writers Guild")]
        assert long_form and long_form[0].cls == "LaborUnion" and "WGA" in long_form[0].aliases
        later = [m for m in ex.mentions if m.text == "WGA" and m.start > 40]
        assert later and later[0].antecedent is not None

    def test_role_noun_before_name(self, extract):
        classes = self._classes(extract, "The actor Tom Reed criticized the studio.")
        assert classes.get("Tom Reed") == "Actor"

    def test_hearst_types_members(self, extract):
        classes = self._classes(extract, "Unions such as Equity and Solidarnosc joined the strike.")
        assert classes.get("Equity") == "LaborUnion"

    def test_common_term_mistagged_by_ner(self, extract):
        classes = self._classes(extract, "The studio said AI would change animation. Critics said AI threatens jobs.")
        assert classes.get("AI") == "Technology"

    def test_organisation_name_suffix(self, extract):
        classes = self._classes(extract, "Globex Pictures signed the deal with Initech Inc. on Monday.")
        assert classes.get("Initech Inc.") == "Company" or classes.get("Initech Inc") == "Company"


def test_title_case_headline_is_recased_for_parsing():
    from kg.nlp import text_for_parsing

    text = "Union Leaders Criticize Studio Plans\n\nThe union said on Monday that Studio Plans were vague."
    out = text_for_parsing(text)
    assert len(out) == len(text)
    assert out.splitlines()[0] == "Union leaders criticize Studio Plans"
    assert out.splitlines()[2] == text.splitlines()[2]


class TestMoreRules:
    """Rules added for news text: each with a sentence of our own."""

    def test_gerund_object(self, triples):
        got = triples("Several studios have proposed licensing archive footage to AI developers.")
        assert any(s == "Several studios" or s == "studios" for s, p, o in got if p == "recommends")

    def test_passive_use_in(self, triples):
        got = triples("Synthetic voices were used in the documentary.")
        assert ("documentary", "uses", "Synthetic voices") in got

    def test_possessive_release(self, triples):
        got = triples("Globex's annual report documents rising costs.")
        assert any(p == "releasedBy" and o == "Globex" for s, p, o in got)

    def test_possessed_agreement_was_signed(self, triples):
        got = triples("Ana Lopez said her contract bans digital doubles.")
        assert any(s == "Ana Lopez" and p == "signed" and "contract" in o for s, p, o in got)

    def test_participle_reattached_to_the_noun_it_fits(self, triples):
        got = triples("The guild published a petition demanding a moratorium on voice cloning, signed by 300 actors.")
        assert any(p == "signed" and "petition" in o for s, p, o in got)
        assert not any(p == "signed" and "cloning" in o for s, p, o in got)

    def test_selection_keeps_idioms_out_of_core_predicates(self, triples):
        got = triples("Ana Lopez played a key role in shaping the new rules.")
        assert not any(p == "playedRole" for _, p, _ in got)

    def test_cast_credit(self, triples):
        got = triples("Ben Carter as Captain Vega in Starfall.")
        assert ("Ben Carter", "playedRole", "Captain Vega") in got

    def test_role_in_work(self, triples):
        got = triples("Ana Lopez, known for her role as Captain Vega in Starfall, criticized the studio.")
        assert ("Ana Lopez", "playedRole", "Captain Vega") in got
        assert ("Ana Lopez", "knownFor", "Starfall") in got

    def test_joining_a_group_shares_its_stance(self, triples):
        got = triples("Ana Lopez joined a chorus of writers worried about automated scripts.")
        assert any(s == "Ana Lopez" and p == "concernedAbout" for s, p, o in got)

    def test_threat_from(self, triples):
        got = triples("The union warned about a growing threat from streaming platforms.")
        assert any(p == "warns" and "streaming platforms" in o for s, p, o in got)

    def test_relative_where_means_in(self, triples):
        got = triples("The festival moved to Berlin, where AI tools are used for subtitles.")
        assert ("Berlin", "uses", "AI tools") in got

    def test_definite_description_refers_back_with_a_compatible_class(self, extract):
        ex = extract("Globex Studios hired Ana Lopez. The studio later fired her.")
        desc = next(m for m in ex.mentions if m.text == "studio")
        assert ex.mentions[desc.antecedent].text == "Globex Studios"

    def test_general_description_is_not_an_anaphor(self, extract):
        ex = extract("Globex Studios hired Ana Lopez. The industry watched closely.")
        industry = [m for m in ex.mentions if m.text == "industry"]
        assert all(m.antecedent is None for m in industry)

    def test_he_she_types_a_name_ner_took_for_an_organisation(self, extract):
        # Whatever NER says about the name, "he" makes it a person.
        ex = extract("Quorra Vantablack left the band in May. He said the label had ignored him.")
        q = next(m for m in ex.mentions if m.text == "Quorra Vantablack")
        assert q.cls in ("Person", "Actor", "Director", "Writer", "Politician")


class TestNewsConventions:
    """Conventions of news writing: roles, appositions, datelines, titles, lists."""

    def test_role_apposition_after_the_name(self, triples):
        got = triples("Nobody asked them, said Maria Okonkwo, the guild's executive director.")
        assert any(s == "Maria Okonkwo" and p == "leads" and "guild" in o for s, p, o in got)

    def test_role_apposition_before_the_name(self, triples):
        got = triples("The union's chief negotiator, Tomas Ferreira, rejected the offer.")
        assert any(s == "Tomas Ferreira" and p == "worksFor" and "union" in o for s, p, o in got)

    def test_role_at_organisation(self, triples):
        got = triples("Lena Park, a senior animator at Orbital Studios, signed the petition.")
        assert ("Lena Park", "worksFor", "Orbital Studios") in got

    def test_whose_role(self, triples):
        got = triples("The Society of Stage Designers, whose president, Ivo Brandt, opposed the plan, met on Monday.")
        assert any(s == "Ivo Brandt" and p == "leads" and "Society of Stage Designers" in o for s, p, o in got)

    def test_naming_apposition_takes_the_name(self, triples):
        got = triples("The research firm Quantel Metrics estimates that streaming revenue will double.")
        assert not any(s == "research firm" for s, _, _ in got)

    def test_descriptive_apposition_refers_to_the_name(self, triples):
        got = triples("Starfall, the space opera directed by Ada Quint, opens in May.")
        assert ("Ada Quint", "directed", "Starfall") in got

    def test_dateline_is_not_a_subject(self, triples):
        got = triples("BERLIN, May 2 (Wire) - The guild sued Orbital Studios on Tuesday.")
        assert ("guild", "sued", "Orbital Studios") in got
        assert not any("BERLIN" in s for s, _, _ in got)
        # a press release's: "CITY, Region, Month D, YYYY /Wire/ -- "
        got = triples("LEEDS, England, June 3, 2025 /Wirelink/ -- The Bexley Film Archive today announced a "
                      "partnership with Lumen Forge.")
        assert ("Bexley Film Archive", "partneredWith", "Lumen Forge") in got, got
        assert not any(s in ("LEEDS", "England") for s, _, _ in got), got

    def test_titles_are_not_part_of_names(self, extract):
        ex = extract("The bill was sponsored by Sen. Mara Quist and Rep. Tom Ivers.")
        names = {m.text: m.cls for m in ex.mentions if m.kind == "name"}
        assert names.get("Mara Quist") == "Politician" and "Tom Ivers" in names

    def test_names_listed_after_a_colon(self, triples):
        got = triples("The lawsuit was joined by three performers: Ada Quint, Tom Ivers and Mara Quist.")
        assert {("Ada Quint", "joined", "lawsuit"), ("Tom Ivers", "joined", "lawsuit"),
                ("Mara Quist", "joined", "lawsuit")} <= got

    def test_counted_group_of_plurals_is_one_entity(self, triples):
        got = triples("More than 500 painters, sculptors and photographers signed the letter.")
        assert ("More than 500 painters, sculptors and photographers", "signed", "letter") in got

    def test_capitalised_run_is_one_name(self, extract):
        ex = extract("Last month she joined Keep Your Voice, a campaign run by illustrators.")
        assert "Keep Your Voice" in {m.text for m in ex.mentions}

    def test_reported_intent_is_asserted(self, triples):
        got = triples("Brightline Books said on Monday that it would ban synthetic narration.")
        assert any(s == "Brightline Books" and p == "bans" for s, p, o in got)

    def test_proposal_content_is_asserted_but_speculation_is_not(self, triples):
        assert any(p == "bans" for _, p, _ in triples("The bill would ban synthetic voices in advertising."))
        assert not any(p == "bans" for _, p, _ in triples("The studio would ban synthetic voices if it could."))

    def test_negative_subject(self, triples):
        assert not any(p == "uses" for _, p, _ in triples("None of the studios used synthetic voices."))


def test_product_name_mistagged_as_punctuation(triples):
    got = triples("The studio said that Lumen 2 was trained on PixelBank-9X, a huge image archive.")
    assert ("Lumen 2", "uses", "PixelBank-9X") in got


def test_role_coordination_before_a_name(triples):
    got = triples("The actor and campaigner Ada Quint, a co-founder of the Fair Faces Project, spoke on Monday.")
    assert any(s == "Ada Quint" and p == "founded" and "Fair Faces Project" in o for s, p, o in got)


def test_calling_for_protection_against_something_opposes_it(triples):
    got = triples("The guild urged lawmakers to keep strong protections against automated dubbing.")
    assert ("guild", "opposes", "automated dubbing") in got, got


def test_calling_for_safeguards_never_opposes_them(triples):
    got = triples("Actors and writers pushed for safeguards against the unauthorized use of their likenesses.")
    advocated = {o for s, p, o in got if p == "advocates"}
    assert advocated, got
    assert not {o for s, p, o in got if p == "opposes"} & advocated, got


@pytest.mark.parametrize("term", ["synthetic voices", "digital replicas", "cloned voices"])
def test_ai_likeness_terms_are_technologies_a_claim_can_be_about(triples, term):
    got = triples(f"Jon Vale argued that {term} should be regulated like any other product.")
    assert ("Jon Vale", "argues", term) in got, got


def test_a_claim_argues_about_what_it_says_was_done_to_something(triples):
    # (NER takes the name for a person: it is the passive subject, the claim's topic, all the same)
    got = triples("In a blog post, Jon Vale argued that Lumenix had been trained on licensed data.")
    assert ("Jon Vale", "argues", "Lumenix") in got, got


@pytest.mark.parametrize("text", ["Mara Quell received her PhD in Oslo.",
                                  "Graduated in Bergen, Quell received his PhD in Oslo."])
def test_a_degree_is_no_work_one_is_known_for(triples, text):
    got = triples(text)
    assert not [t for t in got if t[1] == "knownFor"], got


@pytest.mark.parametrize("text", ["Jon Vale claimed Democrats pushed Ada Quint to the far left on health care.",
                                  "Jon Vale claimed the union pushed Ada Quint to resign."])
def test_a_claim_argues_nothing_about_the_people_it_reports_on(triples, text):
    got = triples(text)
    assert not [t for t in got if t[1] == "argues" and t[2] in ("Ada Quint", "Democrats", "union")], got


@pytest.mark.parametrize("text", ["US voice actor Mara Quell marveled at the growth of the industry.",
                                  "Hollywood actor Mara Quell spoke."])
def test_a_place_before_a_role_noun_is_no_work(triples, text):
    got = triples(text)
    assert not [t for t in got if t[1] == "knownFor"], got


def test_a_prediction_estimates_nothing_about_the_people_in_it(triples):
    got = triples("Jon Vale predicts Ada Quint defeats Mara Quell in the election.")
    assert not [t for t in got if t[1] == "estimates" and t[2] in ("Ada Quint", "Mara Quell")], got


def test_a_place_releases_no_system_it_owns(triples):
    got = triples("Officials said the plot involved Port Alder's mass transit system.")
    assert not [t for t in got if t[1] == "releasedBy"], got
    assert ("Acme's new chatbot", "releasedBy", "Acme") in triples("Acme's new chatbot was released on Monday.")


def test_a_title_with_its_complement_is_no_name(extract):
    ex = extract("Current Director of National Intelligence David Chen said the report was false. Minister of "
                 "Health Maria Lopez announced the plan. The House includes 338 seats, each with a Member of Parliament.")
    names = {m.text for m in ex.mentions if m.kind == "name"}
    assert {"David Chen", "National Intelligence", "Maria Lopez", "Health", "Parliament"} <= names, names
    assert not {n for n in names if n.split()[0] in ("of", "Director", "Minister", "Member")}, names


def test_the_title_of_a_name_is_its_description(triples):
    got = triples("President Jon Vale lashed out at the city's Democratic mayor Ada Quint on Twitter. The president "
                  "has blamed the opposition for the unrest. The president has claimed widespread voter fraud.")
    assert ("Jon Vale", "argues", "widespread voter fraud") in got, got


def test_a_predicate_description_names_no_earlier_referent(triples):
    got = triples("President Ada Quint met the delegation. Jon Vale was the President of Egypt from 1981 until 2011.")
    assert ("Jon Vale", "leads", "Egypt") in got, got
    assert ("Ada Quint", "leads", "Egypt") not in got, got


def test_who_sues_to_block_something_opposes_it(triples):
    got = triples("Jon Vale sued Ada Quint to block the release of his tax returns.")
    assert ("Jon Vale", "opposes", "release of his tax returns") in got, got
    assert not [t for t in got if t[0] == "Ada Quint"], got


@pytest.mark.parametrize("text, fact", [
    # a nationality
    ("Princess Ada Vell pointed out she had relinquished her titles. Sources report she is treated as royalty by "
     "the Thai populace. Following the announcement, she used Instagram to thank supporters.",
     ("Princess Ada Vell", "uses", "Instagram")),
    # an event
    ("Jon Vale was born in Detroit in 1929. After serving in the Korean War, he attended Wayne State University. "
     "He worked for three years for Representative Ada Quint as an aide.", ("Jon Vale", "worksFor", "Ada Quint")),
])
def test_he_or_she_is_never_a_nationality_or_an_event(triples, text, fact):
    got = triples(text)
    assert fact in got, got


def test_emphasising_a_topic_is_speaking_about_it(triples):
    got = triples("Ana Lopez stressed the risks of automated dubbing.")
    assert any(s == "Ana Lopez" and p == "spokeAbout" for s, p, o in got), got


def test_purpose_infinitive_after_use_takes_the_subject(triples):
    got = triples("Nimbus Labs used licensed recordings to train its voice model, Echo.")
    assert ("Echo", "developedBy", "Nimbus Labs") in got
    assert not any(p == "developedBy" and "recordings" in o for s, p, o in got)


def test_company_short_name_and_repeated_product_name_are_one_entity(extract):
    ex = extract("Nimbus Labs trained its chatbot, Parley, on novels. Critics say Parley copies authors. "
                 "Nimbus declined to comment.")

    def root(i):
        while ex.mentions[i].antecedent is not None:
            i = ex.mentions[i].antecedent
        return ex.mentions[i]

    by_text = {}
    for i, m in enumerate(ex.mentions):
        by_text.setdefault(m.text, set()).add(root(i).text)
    assert by_text["Parley"] == {"Parley"}
    assert by_text["Nimbus"] == {"Nimbus Labs"}


def test_when_clause_under_negation_is_still_asserted(triples):
    got = triples("The court found that Nimbus Labs did not break the law when it copied the books.")
    assert any(s == "Nimbus Labs" and o == "books" for s, p, o in got), got
    assert not any(s == "Nimbus Labs" and p == "open:break" for s, p, o in got)


def test_purpose_clause_under_negation_is_not_asserted(triples):
    got = triples("The studio did not sign the deal to protect its actors.")
    assert not any(o == "actors" for s, p, o in got), got


def test_she_never_refers_to_a_name_first_introduced_as_a_product(triples):
    got = triples("Nimbus Labs trained its chatbot, Parley, on novels. In her opinion, Kerrigan wrote that "
                  "Parley copied passages. She criticised the firm.")
    assert ("Parley", "developedBy", "Nimbus Labs") in got
    assert not any(s == "Parley" and p == "criticizes" for s, p, o in got), got


def test_passive_conjunct_of_an_active_verb_takes_its_subject_as_patient(triples):
    got = triples("The documentary features Ana Lopez and is produced by Ben Carter.")
    assert ("Ben Carter", "produced", "documentary") in got


def test_coordinated_title_of_a_singular_work_noun_is_one_name(triples):
    got = triples("Ben Carter produced her previous film, Salt and Stone.")
    assert ("Ben Carter", "produced", "Salt and Stone") in got
    two = triples("The studio released two films, Salt and Stone.")
    assert not any("Salt and Stone" in (s, o) for s, p, o in two)


def test_surname_links_to_a_full_name_only_found_while_extracting(triples):
    # NER misses the hyphenated full name; the later surname still names the same writer.
    got = triples("The suit was filed by the novelists Maren Ostby-Vale and Ian Crisp. "
                  "Ostby-Vale, whose thriller The Glass Meridian was adapted for television, welcomed the ruling.")
    assert ("Maren Ostby-Vale", "knownFor", "Glass Meridian") in got, got


@pytest.mark.parametrize(
    "sentence,triple",
    [
        ("The judge questioned Acme's use of Folio Vault, a pirate website.", ("Acme", "uses", "Folio Vault")),
        ("Acme's acquisition of Beta Labs closed in May.", ("Acme", "acquired", "Beta Labs")),
    ],
)
def test_possessive_nominalisation_frames(triples, sentence, triple):
    assert triple in triples(sentence)


def test_finite_conjunct_of_an_infinitive_belongs_to_the_main_verb(triples):
    got = triples("The campaign urges studios to adopt consent rules and calls on the government to act.")
    assert ("campaign", "urges", "government") in got
    assert not any(s == "studios" and o == "government" for s, p, o in got)


def test_purpose_infinitive_is_not_asserted(triples):
    got = triples("The guild called on the Senate to ban digital replicas.")
    assert not any(s == "Senate" and p == "bans" for s, p, o in got), got
    assert any(s == "Senate" and p == "bans" for s, p, o in triples(
        "The guild called on the Senate to ban digital replicas.", asserted=False))


def test_pronoun_inside_the_governing_subject_is_not_its_own_antecedent(extract):
    ex = extract("The crew saw the plane land. Some other part of it hit the fence when it stopped.")
    for i, m in enumerate(ex.mentions):
        seen = set()
        while m.antecedent is not None:
            assert m.antecedent not in seen and m.antecedent != i, m
            seen.add(m.antecedent)
            m = ex.mentions[m.antecedent]


def test_argued_clause_subject_that_is_an_actor_is_not_the_argument(triples):
    got = triples("The lawsuit alleges that Acme Corp trained its model on pirated books.")
    assert not any(p == "argues" and o == "Acme Corp" for s, p, o in got), got
    assert any(s == "lawsuit" and p == "argues" and "pirated books" in o for s, p, o in got), got
    # a recommendation's clause subject is its addressee
    assert ("Copyright Office", "recommends", "Congress") in triples(
        "The Copyright Office recommended that Congress create a federal right.")


def test_appearing_in_court_is_no_work_one_is_known_for(triples):
    assert not [t for t in triples("Mara Quell is scheduled to appear in court on Wednesday.") if t[1] == "knownFor"]
    assert ("Mara Quell", "knownFor", "Night Harbour") in triples("Mara Quell appeared in the film Night Harbour.")


def test_a_director_of_a_company_leads_it_and_directs_no_film(triples):
    got = triples("Jane Doe, the managing director of Acme Corp, criticized the studio.")
    assert ("Jane Doe", "leads", "Acme Corp") in got
    assert not [t for t in got if t[1] == "directed"], got
    assert ("Jane Doe", "directed", "Night Harbour") in triples("Jane Doe directed the film Night Harbour.")


def test_a_capitalised_title_word_is_no_name_the_role_is_of(triples):
    got = triples("Harbor Telecom Group Managing Director Ana Ruiz said the network was ready.")
    assert not [t for t in got if t[2] in ("Managing Director", "Managing")], got


def test_an_apposition_the_parser_attached_elsewhere_still_types_the_name(extract):
    # The parser hangs "generator" on "message" (or on nothing): ", the NOUN" after a name describes it.
    ex = extract("The message said it had been made in eleven seconds with Nimbus 4, the image generator "
                 "developed by Corvane Labs, using a short prompt.")
    assert {m.text: m.cls for m in ex.mentions}["Nimbus 4"] == "Technology"


@pytest.mark.parametrize("sentence, name, cls", [
    ("Rhea Vos, the company's chief executive, said the plan was sound.", "Rhea Vos", "Person"),  # a possessor
    ("Rhea Vos, the studio said, will appeal the ruling.", "Rhea Vos", "Person"),  # a subject
])
def test_what_follows_a_name_after_a_comma_is_not_always_its_description(extract, sentence, name, cls):
    assert {m.text: m.cls for m in extract(sentence).mentions}[name] == cls


def test_a_list_after_a_plural_noun_and_a_colon_takes_the_noun_s_class(extract):
    # The parser hangs the first name on "complaint" as its apposition: no Lawsuit for a person.
    ex = extract("The complaint, filed in federal court in Dallas, was joined by four individual performers: "
                 "Mara Quell, Tove Rask-Lindahl, Anouk Brel and Idris Maalouf.")
    classes = {m.text: m.cls for m in ex.mentions if m.kind == "name"}
    assert [classes[n] for n in ("Mara Quell", "Tove Rask-Lindahl", "Anouk Brel", "Idris Maalouf")] == ["Actor"] * 4


@pytest.mark.parametrize("sentence, name", [
    ("The estate, which is managed by his daughter Rhea Vos, gave permission for the film.", "Rhea Vos"),
    ("The firm was founded in 2022 by the former streaming engineer Ivo Brandt.", "Ivo Brandt"),
    ("Seven students and their teacher Oona Kell were rescued on Monday.", "Oona Kell"),
])
def test_kin_and_occupations_before_a_name_type_a_person(extract, sentence, name):
    assert is_a({m.text: m.cls for m in extract(sentence).mentions}[name], "Person")


def test_an_apposition_after_another_name_describes_that_name(extract):
    # The parser hangs "the period drama" on the first name: it describes the work named between.
    ex = extract("A digital replica of the late actor will play Brother Anselm, a small but pivotal role in "
                 "The Quiet Hours, the period drama directed by Ines Varga.")
    classes = {m.text: m.cls for m in ex.mentions}
    assert classes["Brother Anselm"] != "CreativeWork" and classes["Quiet Hours"] == "CreativeWork"
    group = extract("Lashkar-e-Zafar (LeZ), a militant Islamic fundamentalist group based in Pakistan, has been "
                    "implicated in last week's Mumbai attacks in India.")
    assert is_a({m.text: m.cls for m in group.mentions}["Lashkar-e-Zafar"], "Organization")  # an acronym is no other name


@pytest.mark.parametrize("sentence, name", [
    ("British Prime Minister Tom Vale said the talks would continue.", "Tom Vale"),
    ("Norwegian MP Olav Brekke criticised the plan.", "Olav Brekke"),
    ("Prime minister Ida Lund has asked for help during the investigation.", "Ida Lund"),
])
def test_a_title_and_a_nationality_before_a_name_are_no_part_of_it(extract, sentence, name):
    names = {m.text: m.cls for m in extract(sentence).mentions if m.kind == "name"}
    assert list(names) == [name] and names[name] == "Politician", names


def test_attacking_criticizes_only_when_people_or_organisations_do_it(triples):
    # News uses "attack" for violence far more than for words: gunmen attacking a checkpoint
    # criticise nothing (the relation stays open: they attacked it).
    got = triples("Gunmen attacked a police checkpoint near the border.")
    assert not [t for t in got if t[1] == "criticizes"], got
    assert ("Gunmen", "open:attack", "police checkpoint") in got
    # Armed forces, combatants and crowds are people and organisations too: their head noun says
    # the attack is one of force.
    for text in ("Militants attacked a convoy on Sunday.", "Security forces attacked the rebel stronghold.",
                 "Police officials said the protesters had attacked a bus."):
        got = triples(text)
        assert not [t for t in got if t[1] == "criticizes"] and [t for t in got if t[1] == "open:attack"], got
    assert ("Tom Hale", "criticizes", "budget") in triples("Senator Tom Hale attacked the budget on Tuesday.")


def test_suggesting_that_something_is_so_recommends_nothing(triples):
    # "suggest that S" says what may be true; a suggestion of a thing, by someone, recommends it.
    assert not [t for t in triples("Officials suggested that Acme Corp had closed its factory.") if t[1] == "recommends"]
    assert not [t for t in triples("The findings suggested a disparity in the death rate.") if t[1] == "recommends"]
    assert ("Jane Moss", "recommends", "broader probe") in triples("Mayor Jane Moss suggested a broader probe into the deaths.")


def test_being_responsible_for_something_produced_it_only_when_it_is_a_work(triples):
    # "responsible for the bombing" blames; "responsible for the film" made it (the copula's
    # adjective is the word the restriction names).
    assert ("group", "open:be responsible for", "bombing") in triples("The group was responsible for the bombing.")
    assert ("Acme Corp", "produced", "Vela chatbot") in triples("Acme Corp is responsible for the Vela chatbot.")


def test_covering_documents_only_when_a_publisher_or_reporter_does_it(triples):
    got = triples("The sandstorm covered homes and streets in dust.")
    assert not [t for t in got if t[1] == "documents"] and ("sandstorm", "open:cover", "homes") in got
    assert ("network", "documents", "election") in triples("The network covered the election for three days.")


def test_claiming_a_possession_argues_nothing_claiming_that_something_is_so_does(triples):
    # "claimed responsibility", "claimed victory", "the virus claimed lives" assert no claim;
    # "claimed fraud", "claimed that S" (or "claimed S") argue. "maintain" argues a clause only.
    got = triples("The Taliban claimed responsibility for the attack.")
    assert not [t for t in got if t[1] == "argues"] and ("Taliban", "open:claim", "responsibility for the attack") in got
    assert not [t for t in triples("The ruling party claimed victory in the election.") if t[1] == "argues"]
    assert ("Jon Vale", "argues", "voter fraud") in triples("Jon Vale claimed voter fraud.")
    assert ("Acme Corp", "argues", "fair use") in triples("Acme Corp claimed that its training falls under fair use.")
    assert not [t for t in triples("The studio maintained close ties with the union.") if t[1] == "argues"]
    assert ("studio", "argues", "fair use") in triples("The studio maintained that the copying was fair use.")


def test_a_date_before_a_name_is_no_part_of_it(extract, triples):
    # "on Friday President Jane Moss": Friday is when, not what she is president of.
    got = triples("On Friday President Jane Moss was asked about the remarks.")
    assert not [t for t in got if t[1] == "leads"], got
    assert ("Tom Reed", "leads", "Acme") in triples("On Tuesday Acme chairman Tom Reed resigned.")
    names = {m.text for m in extract("Shoppers crowded the stores on Black Friday.").mentions if m.kind == "name"}
    assert "Black Friday" in names, names  # a date inside a name stays in it
    names = {m.text for m in extract("She hosts the chat show, Friday Night with Jane Moss, on weekends.").mentions}
    assert "Friday Night" in names, names  # and so does one NER reads as a time over two words


def test_a_place_or_a_product_releases_nothing_it_is_said_to_have(triples):
    # "'s" is releasedBy only for an owner that can publish: a state's racing tracks, a
    # program's series were released by no place or product; a state's report was.
    got = triples("Voters will decide on the closure of Port Alder's two racing tracks.")
    assert not [t for t in got if t[1] == "releasedBy"], got
    got = triples("The program is the first of its series to run on phones.")
    assert not [t for t in got if t[1] == "releasedBy"] and ("series", "open:'s", "program") in got, got
    assert ("Acme's annual report", "releasedBy", "Acme") in triples("Acme's annual report was released on Monday.")
    assert ("Port Alder's report", "releasedBy", "Port Alder") in triples("Port Alder's report was released on Monday.")


def test_creating_or_producing_is_authorship_only_when_an_agent_does_it(triples):
    # "the crisis created a problem", "the storm produced winds": causes, no authors.
    assert ("crisis", "open:create", "humanitarian problem") in triples("The crisis has created a humanitarian problem.")
    assert ("storm", "open:produce", "strong winds") in triples("The storm produced strong winds.")
    assert not [t for t in triples("The arrest has generated great publicity.") if t[1] == "produced"]
    assert ("Jane Doe", "produced", "documentary") in triples("Jane Doe produced the documentary in 2001.")


def test_calling_something_for_someone_urges_nothing(triples):
    # "call for" is a prepositional verb: with a direct object the PP is the verb's adjunct.
    got = triples("The network called the election for Jane Moss on Saturday.")
    assert not [t for t in got if t[1] == "urges"], got
    assert ("union", "urges", "strike") in triples("The union called for a strike.")


def test_general_news_nouns_are_typed(extract):
    # Bodies, people, places and events of any news, not only the domain's.
    ex = extract("The police arrested two protesters. The earthquake destroyed the village. "
                 "The armed forces and the team met at the hospital.")
    types = {m.text: m.cls for m in ex.mentions}
    assert types["police"] == "GovernmentBody" and types["armed forces"] == "GovernmentBody", types
    assert types["two protesters"] == "Person" and types["village"] == "Place", types
    assert types["earthquake"] == "Event" and types["team"] == "Organization", types


def test_a_claim_is_about_no_people_or_places_a_common_noun_describes(triples):
    # "NATO stated that two soldiers had been killed": the soldiers are who the clause is about,
    # not what is argued; a claim about an event is ("claimed the election was rigged").
    for text in ("NATO stated that two soldiers had been killed.", "The mayor stated that the city remains divided."):
        got = triples(text)
        assert not [t for t in got if t[1] == "argues"], got
    got = triples("Opposition groups claimed that the election was rigged.")
    assert ("Opposition groups", "argues", "election") in got, got


def test_a_technology_word_inside_a_complement_does_not_type_the_phrase(extract):
    # "service" is a technology head, but in "the deaths of three service members" it modifies
    # the members, not the deaths; in "chatbot subscriptions" it is the head's own compound.
    types = {m.text: m.cls for m in extract("The deaths of three service members were confirmed by the army.").mentions}
    assert types["deaths of three service members"] != "Technology", types
    types = {m.text: m.cls for m in extract("Acme sold its chatbot subscriptions to Globex.").mentions}
    assert types["chatbot subscriptions"] == "Technology", types


def test_taking_someone_to_court_sues_them_not_the_court(triples):
    got = triples("The union took the studio to court.")
    assert ("union", "sued", "studio") in got and not [t for t in got if t[2] == "court"], got
    assert not [t for t in triples("Drouin took the lead with early goals to Troy Kneebone.") if t[1] == "sued"]


def test_speaking_on_a_medium_or_in_a_manner_is_about_nothing(triples):
    # "spoke on television", "on condition of anonymity": how, not what about.
    got = triples("The minister spoke on television about the strike.")
    assert ("minister", "spokeAbout", "strike") in got and ("minister", "spokeAbout", "television") not in got, got
    assert not [t for t in triples("A spokesman commented on condition of anonymity.") if t[1] == "spokeAbout"]


def test_representing_is_done_by_agents_not_by_symbols_or_contests(triples):
    # "the light green line represents the males", "the primaries represented 441 delegates":
    # stand for, amount to; a union or a lawmaker represents someone.
    for text in ("The light green line represents the males.", "The three primary elections represented a total of 441 delegates."):
        assert not [t for t in triples(text) if t[1] == "represents"], text
    assert ("union", "represents", "cabin crew") in triples("The union represents cabin crew at the airline.")


def test_a_name_after_of_in_a_longer_name_is_a_name_of_its_own(extract):
    # "Greece" later in the text is the country, not a short form of "Communist Party of Greece".
    ex = extract("All parties except the Communist Party of Greece (KKE) are involved. Greece faces a long recession.")
    greece = [m for m in ex.mentions if m.text == "Greece"]
    assert greece and all(m.antecedent is None for m in greece), greece
    party = next(m for m in ex.mentions if m.text == "Communist Party of Greece")
    assert party.cls == "Organization", party
    # Also when nothing types the longer name.
    ex = extract("The Order of Saint Brannoc criticised the plan. Brannoc is an old name.")
    later = [m for m in ex.mentions if m.text == "Brannoc"]
    assert later and all(m.antecedent is None for m in later), ex.mentions


def test_time_zones_and_times_are_no_entities_and_diseases_no_organisations(extract):
    ex = extract("The explosion happened at 10:20 UTC, and COVID-19 has killed thousands since 2020.")
    texts = {m.text: m.cls for m in ex.mentions}
    assert not [t for t in texts if "UTC" in t], texts
    assert texts.get("COVID-19") == "Concept", texts


def test_names_listed_after_a_plural_description_are_all_arguments(triples):
    # "signed by the novelists A and B, the poet C": every one signed, not only the first.
    got = triples("The letter was signed by the novelists Jane Doe and Ann Roe, the poet Ravi Vale and the "
                  "translator Elodie Marsh.")
    assert {("Jane Doe", "signed", "letter"), ("Ann Roe", "signed", "letter"), ("Ravi Vale", "signed", "letter"),
            ("Elodie Marsh", "signed", "letter")} <= got, got
    # A singular noun the parser gave an apposition does not stand for a list of people.
    got = triples("The complaint was joined by four performers: Dana Whit, Tomas Reyes and Priya Callo.")
    assert not [t for t in got if t[1] == "joined" and t[0] in ("Dana Whit", "Tomas Reyes", "Priya Callo")
                and t[2] in ("Dana Whit", "Tomas Reyes", "Priya Callo")], got


def test_names_among_a_plural_subject_share_its_relations(triples):
    got = triples("More than 300 programmers and artists signed an open letter, among them Lena Moss, a writer at "
                  "Acme Games, and Tom Vale.")
    assert {("Lena Moss", "signed", "open letter"), ("Tom Vale", "signed", "open letter")} <= got, got


def test_they_after_coordinated_names_is_each_of_them(triples):
    got = triples("The suit was filed by the novelists Mara Quell, Dev Orlo and Celia Vane. They accused Acme Corp "
                  "of copying their novels.")
    assert {("Mara Quell", "criticizes", "Acme Corp"), ("Dev Orlo", "criticizes", "Acme Corp"),
            ("Celia Vane", "criticizes", "Acme Corp")} <= got, got
    # An organisation at the end of the list is one of them, not "they" on its own.
    got = triples("The suit was filed by Mara Quell, Dev Orlo and Globex Studios. They accused Acme Corp of copying.")
    assert {("Mara Quell", "criticizes", "Acme Corp"), ("Globex Studios", "criticizes", "Acme Corp")} <= got, got
    # A list of places is no "they" that speaks.
    got = triples("Raids took place in Ohio, Texas and Utah. They also stated that arrests were made in Canada.")
    assert not [t for t in got if t[1] == "argues"], got


def test_a_possessed_name_is_what_the_noun_before_it_says(triples):
    # "Acme's chatbot Lagos": a chatbot, whatever place NER took the name for.
    assert ("Lagos", "releasedBy", "Acme") in triples("Acme's chatbot Lagos was released on Monday.")


def test_numbered_or_technology_suffixed_names_are_no_people(extract):
    # NER calls "Stella 4" and "Rocky Linux" people; a model number or a "Linux" says product.
    types = {m.text: m.cls for m in extract("Acme has said that Stella 4 was trained on public images.").mentions}
    assert types.get("Stella 4") == "Technology", types
    types = {m.text: m.cls for m in extract("Rocky Linux was released by the foundation.").mentions}
    assert types.get("Rocky Linux") == "Technology", types


def test_blocking_adopting_and_marketing_as_in_their_other_senses(triples):
    # A vehicle blocking a street opposes nothing; a party adopting a resolution passes it, it
    # does not use it; "marketed by Acme as Zelvec" credits no role.
    assert not [t for t in triples("A police vehicle blocked the end of the street.") if t[1] == "opposes"]
    assert ("Republicans", "opposes", "bill") in triples("Republicans blocked the bill.")
    assert not [t for t in triples("The party adopted a resolution criticising the government.") if t[1] == "uses"]
    got = triples("Of note is Imatinib, a medication used against certain cancers, which is marketed by Novartis as "
                  "Gleevec (USA) or Glivec (Europe).")
    assert not [t for t in got if t[1] == "playedRole"], got


def test_appearing_in_or_a_role_in_an_event_is_no_work_one_is_known_for(triples):
    assert not [t for t in triples("The minister was scheduled to appear in a fresh trial.") if t[1] == "knownFor"]
    got = triples("Charles Taylor faces charges for his role in the Sierra Leone Civil War.")
    assert not [t for t in got if t[1] == "knownFor"], got
    assert ("Jane Doe", "knownFor", "Long Road") in triples("Jane Doe is known for her role in The Long Road.")
    assert ("Jane Doe", "knownFor", "series about her work") in triples("Jane Doe appeared in a series about her work.")


def test_a_place_is_joined_by_nobody(triples):
    got = triples("Germany has joined other countries such as France and Italy in banning the drug.")
    assert not [t for t in got if t[1] == "joined"], got
    assert ("Acme", "joined", "European Union") in triples("Acme joined the European Union.")


def test_buying_something_from_someone_is_no_release(triples):
    got = triples("Patients can buy cannabis extracts from pharmacies with a prescription.")
    assert not [t for t in got if t[1] == "releasedBy"], got


def test_supporters_of_a_name_support_it(triples):
    # "Trump supporters" ≈ "supporters of Trump" once "supporter" is a role noun.
    assert ("Jon Vale supporters", "supports", "Jon Vale") in triples("Jon Vale supporters chanted slogans outside the rally.")


def test_review_cases_of_the_new_restrictions(triples):
    # A name nothing types still represents (an exclusion of Concept would shut it out); taking a
    # case to court sues nobody; "speaking about conditions" is about them, unlike "speaking on
    # condition of anonymity".
    assert ("Democrats", "represents", "district") in triples("The Democrats represent the district.")
    assert not [t for t in triples("The family took the case to the Supreme Court.") if t[1] == "sued"]
    assert ("Officials", "spokeAbout", "conditions in the camp") in triples("Officials spoke about conditions in the camp.")
    assert not [t for t in triples("An official spoke on condition of anonymity.") if t[1] == "spokeAbout"]


def test_a_person_is_released_by_nobody_and_a_type_noun_types_the_name_after_it(extract, triples):
    # "released quarterback X", "released two hostages": let go, not published.
    assert not [t for t in triples("The Arizona Cardinals have released quarterback Matt Leinart.") if t[1] == "releasedBy"]
    # "its chatbot Vela": a chatbot, whatever NER thought the name was; Acme released it.
    assert ("Vela", "releasedBy", "Acme") in triples("Acme released its chatbot Vela.")
    types = {m.text: m.cls for m in extract("Acme released its chatbot Vela.").mentions}
    assert types["Vela"] == "Technology", types


def test_a_noun_frozen_in_a_preposition_names_nothing(triples):
    # "in order to": no entity "order" uses the recordings.
    got = triples("The recordings that are used in order to train the model were leaked.")
    assert not [t for t in got if "order" in (t[0], t[2])], got


def test_own_is_no_part_of_what_is_owned(triples):
    assert ("chatbot", "releasedBy", "Acme") in triples("Acme released its own chatbot on Monday.")


def test_a_generational_suffix_belongs_to_the_name(extract):
    ex = extract("A police officer, Tom Reyes, Jr., used his radio. Reyes said it worked.")
    names = [m for m in ex.mentions if m.kind == "name"]
    assert names[0].text == "Tom Reyes, Jr." and names[0].cls == "Person", names
    later = next(m for m in names if m.text == "Reyes")
    assert ex.mentions[later.antecedent].text == "Tom Reyes, Jr.", names


@pytest.mark.parametrize("text", ["Ruth Ellery won the election for the post of mayor.",
                                  "Marta Quill won the match against her rival."])
def test_winning_an_event_secures_nothing(triples, text):
    assert not [t for t in triples(text) if t[1] == "secured"]


def test_winning_something_granted_secures_it(triples):
    assert ("union", "secured", "consent") in triples("The union won consent from the studios.")


def test_adopting_a_person_uses_nobody(triples):
    assert not [t for t in triples("Sam Ortega grew up with his aunt, who adopted him after his mother died.") if t[1] == "uses"]


def test_an_organisation_of_an_organisation_is_not_released_by_it(triples):
    got = triples("The officials spoke to the Department of Energy's Grid Service on Monday.")
    assert not [t for t in got if t[1] == "releasedBy"], got


def test_the_charge_is_no_part_of_the_accused(triples):
    assert ("artists", "criticizes", "company") in triples("The artists accused the company of theft.")


def test_a_type_noun_the_parser_split_from_the_name_still_types_it(extract):
    ex = extract("UK-based charity Reyna condemned the actions of the courts.")
    assert {m.text: m.cls for m in ex.mentions}["Reyna"] == "Organization"


def test_a_head_noun_with_its_of_complement_has_its_own_type(extract):
    # "state" alone is a place; a state of emergency is declared, not visited.
    types = {m.text: m.cls for m in extract("Governor Ana Ruiz issued a state of emergency after the floods.").mentions}
    assert types["state of emergency"] == "LegalConcept", types


def test_police_and_military_ranks_are_titles(extract):
    ex = extract("Detective Superintendent Ana Ruiz stated on Wednesday that enquiries are ongoing.")
    names = {m.text: m.cls for m in ex.mentions if m.kind == "name"}
    assert names == {"Ana Ruiz": "Person"}, names


def test_a_capitalised_run_keeps_what_was_known_of_the_name_inside_it(extract):
    # NER finds "Jane Doe" a person; the run "Nobel Laureate Jane Doe" is still one.
    names = {m.text: m.cls for m in extract("Nobel Laureate Jane Doe said the prize was a surprise.").mentions}
    assert names.get("Nobel Laureate Jane Doe") == "Person", names


def test_a_plural_possessive_inside_a_name_is_part_of_it(extract):
    names = {m.text: m.cls for m in extract("The Publishers' Licensing Forum welcomed the report.").mentions if m.kind == "name"}
    assert names == {"Publishers' Licensing Forum": "Organization"}, names
    # (also when NER found the name: no owner "National Farmers" of a "Union")
    names = {m.text for m in extract("The National Farmers' Union welcomed the report.").mentions if m.kind == "name"}
    assert names == {"National Farmers' Union"}, names


def test_an_object_pronoun_is_not_its_own_clause_subject(triples):
    # "asking it": not the union that asks; the closest name before it that can be "it".
    got = triples("The union wrote to Acme Audio, the largest platform in the UK, asking it to label AI-narrated titles.")
    assert ("union", "urges", "Acme Audio") in got, got


def test_of_the_joins_a_title(extract):
    names = {m.text for m in extract("Her album Songs for the Harbour was released by Bramble Records.").mentions}
    assert "Songs for the Harbour" in names, names


def test_names_apposed_to_a_counted_description_are_each_of_them(triples):
    got = triples("Three of the agency's photographers, Ines Carvalho, Rory Dunmore and Idris Kamara, joined the suit.")
    for name in ("Ines Carvalho", "Rory Dunmore", "Idris Kamara"):
        assert (name, "joined", "suit") in got, got
        assert (name, "worksFor", "agency") in got, got


def test_members_of_an_organisation_named_after_the_role(triples):
    got = triples("Two members of the committee, Lord Simon Ashe and Baroness Clara Mott, set out their objections.")
    assert {("Simon Ashe", "memberOf", "committee"), ("Clara Mott", "memberOf", "committee")} <= got, got


@pytest.mark.parametrize("text, member, org", [
    ("The Coalition for Common Datasets, an industry group whose members include Quillon, criticised the lawsuit.",
     "Quillon", "Coalition for Common Datasets"),
    ("The Alliance for Digital Industry, a trade group that counts Basalt Works among its members, warned against the plan.",
     "Basalt Works", "Alliance for Digital Industry"),
    ("The council, the trade body of which Holloway is a founding member, praised the deal.", "Holloway", "council"),
])
def test_members_listed_by_their_organisation(triples, text, member, org):
    assert (member, "memberOf", org) in triples(text)


@pytest.mark.parametrize("text, person, org", [
    ("The deal was criticised by Petra Lindqvist, who teaches law at Ashcombe University.", "Petra Lindqvist", "Ashcombe University"),
    ("Greta Hune has written for the Ashby Echo for 15 years.", "Greta Hune", "Ashby Echo"),
])
def test_teaching_at_and_writing_for_an_organisation_is_working_for_it(triples, text, person, org):
    assert (person, "worksFor", org) in triples(text)


def test_a_former_role_says_nothing_about_now(triples):
    got = triples("Ana Ruiz, formerly a professor at Harvard Law School, lost the race.")
    assert not [t for t in got if t[1] == "worksFor"], got


def test_what_a_requirement_makes_someone_do_is_required(triples):
    got = triples("The contract requires the streamer to obtain his written consent.")
    assert ("contract", "requires", "written consent") in got, got


def test_reaching_an_agreement_secures_it(triples):
    assert ("guild", "secured", "tentative three-year agreement with the council") in triples(
        "The guild has reached a tentative three-year agreement with the council.")
    assert not [t for t in triples("The climbers reached the summit.") if t[1] == "secured"]


def test_a_subject_the_parser_took_for_a_compound_of_its_verb(triples):
    # "contract" is parsed as a compound of "bars" (taken for a noun's plural).
    assert ("three-year contract", "bans", "AI") in triples("The three-year contract bars AI from receiving writing credit.")


def test_an_agency_is_no_government_body_by_its_name_alone(triples, extract):
    got = triples("The District Court heard the case. The agency's photographers, Ana Ruiz and Tom Reyes, joined the suit.")
    assert not [t for t in got if t[1] == "worksFor" and t[2] == "District Court"], got
    types = {m.text: m.cls for m in extract("A federal agency and a talent agency signed the letter.").mentions}
    assert is_a(types["federal agency"], "GovernmentBody") and not is_a(types["talent agency"], "GovernmentBody"), types


@pytest.mark.parametrize("text, org", [
    # the previous sentence's subject is a lawsuit: what has a president is the union
    ("The suit was welcomed by the Independent Camera Workers Union. Its president, Ada Penhale, said the case mattered.",
     "Independent Camera Workers Union"),
    # the main clause's subject, not the last member listed
    ("The Broadcasters Council represents 14 studios, including Acme Pictures and Globex Studios. Its president, Nils Berg, "
     "praised the deal.", "Broadcasters Council"),
])
def test_its_before_a_role_noun_is_an_organisation(triples, text, org):
    got = triples(text)
    assert any(p == "leads" and o == org for s, p, o in got), got


def test_a_participle_right_after_a_passives_agent_is_the_agents_doing(triples):
    assert ("Revoice", "uses", "Vocalis") in triples("The foreign-language versions were produced by Revoice using Vocalis.")
    # (after a comma it is the sentence subject's: the letter calls for a pause)
    assert ("letter", "urges", "pause") in triples("The letter was signed by 400 artists, calling for a pause.")


def test_the_creator_of_a_work_produced_it(triples):
    assert ("Jane Doe", "produced", "Lowtide") in triples("Jane Doe, creator of the hit series Lowtide, spoke.")


def test_making_a_technology_develops_it_and_an_open_relation_reads_as_written(triples):
    assert ("chatbots", "developedBy", "Globex") in triples("Globex makes chatbots for banks.")
    got = triples("Acme makes cars.")
    assert ("Acme", "open:make", "cars") in got and not [t for t in got if t[1] == "developedBy"], got


def test_a_counted_singular_shares_the_plural_coordinated_after_it(extract, triples):
    text = "The Forum, which represents 120 book and magazine publishers, welcomed the report."
    assert ("Forum", "represents", "120 book and magazine publishers") in triples(text)
    types = {m.text: m.cls for m in extract(text).mentions}
    assert is_a(types["120 book and magazine publishers"], "Organization"), types
    # each counted: two groups
    got = triples("The firm hired 6,500 staff and 300 volunteers.", asserted=False)
    assert {o for s, p, o in got if p == "open:hire"} == {"6,500 staff", "300 volunteers"}, got


def test_a_licensing_body_is_an_organisation_a_body_alone_is_not(extract, triples):
    got = triples("The committee recommended that the government create a statutory licensing body.")
    assert ("committee", "recommends", "statutory licensing body") in got, got
    types = {m.text: m.cls for m in extract("Police found a body near the river. The governing body sued Acme.").mentions}
    assert not is_a(types["body"], "Organization") and types["governing body"] == "Organization", types


def test_a_hyphenated_particle_modifier_is_part_of_the_phrase(triples):
    assert ("company", "argues", "opt-out system") in triples("The company argued that an opt-out system was the only workable option.")


def test_among_them_names_after_role_nouns_are_members_of_the_subject(triples):
    got = triples("More than 3,000 translators and authors have signed the campaign's founding pledge, among them the "
                  "translator Mirela Stan, the narrator Keir Abara and the poet Femi Lowe.")
    for name in ("Mirela Stan", "Keir Abara", "Femi Lowe"):
        assert (name, "signed", "campaign's founding pledge") in got, got
    assert not [t for t in got if t[0] != t[2] and t[1] == "open:sign"], got  # the names are no objects


def test_the_publisher_of_a_list_of_titles_and_an_owner(triples):
    got = triples("Holloway News Group, the publisher of the Kenton Courier, the Ashby Echo and eleven other "
                  "regional titles, has signed a deal.")
    assert {("Kenton Courier", "releasedBy", "Holloway News Group"),
            ("Ashby Echo", "releasedBy", "Holloway News Group")} <= got, got
    # (an apposition far from its head is no list continuing it)
    got = triples("Alongside his medals, the new Lieutenant Governor is a member of the Order of Canada, the Alberta "
                  "Order of Excellence and the Order of St. John.")
    assert not [t for t in got if t[0].startswith(("Alberta", "Order"))], got
    assert ("Southvale Times", "memberOf", "Oakridge Press") in triples(
        "Oakridge Press, which owns the Southvale Times, rejected the approach.")


def test_known_for_playing_a_role_in_a_work(triples):
    got = triples("Mateo Quiroga is best known for playing Inspector Walt Krieger in the crime series Saltmarsh Lane.")
    assert {("Mateo Quiroga", "knownFor", "Saltmarsh Lane"), ("Mateo Quiroga", "knownFor", "Walt Krieger")} <= got, got
    assert not [t for t in got if t[1] == "knownFor" and t[2].startswith("playing")], got


def test_a_named_body_at_a_named_organisation_is_part_of_it(triples, extract):
    got = triples("The Oxford Internet Institute at the University of Oxford published the study.")
    assert ("Oxford Internet Institute", "memberOf", "University of Oxford") in got, got
    got = triples("Jane Doe at Acme Corp said no.", asserted=False)
    assert not [t for t in got if t[1] in ("memberOf", "open:at")], got
    # a degree is no body: "a Master of Business Affairs at Bond University"
    types = {m.text: m.cls for m in extract("Ana Ruiz completed a Master of Business Affairs at Bond University.").mentions}
    assert types["Master of Business Affairs"] == "Concept", types


def test_training_people_or_with_data_develops_no_model(triples):
    assert ("model", "developedBy", "Acme") in triples("Acme trained its model on the archive.")
    for text in ("The studios would begin training their development executives.",
                 "The data used to train their models was scraped.",
                 "American troops train Afghan security forces."):
        assert not [t for t in triples(text) if t[1] == "developedBy"], text


def test_what_a_technology_creates_it_did_not_produce_as_an_author(triples, extract):
    assert {m.text: m.cls for m in extract("Generative AI was used to create images.").mentions}["Generative AI"] == "Technology"
    assert not [t for t in triples("Generative AI was used to create images.") if t[1] == "produced"]


def test_demanding_that_someone_act_urges_them(triples):
    got = triples("The association demanded that the company stop using its members' lyrics.")
    assert ("association", "urges", "company") in got, got


def test_defending_a_decision_supports_it_a_title_is_no_stance(triples):
    assert ("minister", "supports", "policy") in triples("The minister defended the policy.")
    assert not [t for t in triples("The champion defended his title.") if t[1] == "supports"]


def test_collectives_charters_and_browsers_are_typed(triples, extract):
    got = triples("The collective, a cooperative of about 90 comic artists, was founded in 2019 by Lucia Brenn.")
    assert ("Lucia Brenn", "founded", "collective") in got, got
    types = {m.text: m.cls for m in extract("Solenne Systems, whose Magpie browser most of you use, signed the "
                                            "Archive Honesty Charter.").mentions}
    assert types["whose Magpie browser"] == "Technology" and is_a(types["Archive Honesty Charter"], "Document"), types


def test_a_gerund_object_phrase_ends_before_its_apposition(triples):
    got = triples("The studio began using Pictavo, an image generator developed by the company Emberline Systems.")
    assert ("Pictavo", "developedBy", "Emberline Systems") in got and ("studio", "uses", "Pictavo") in got, got


def test_a_recipient_is_no_part_of_what_is_licensed(triples):
    got = triples("Alongside the settlement, Wendmoor licensed its backlist of about 1,100 titles to Synthetica for three years.")
    assert ("Wendmoor", "licensed", "backlist of about 1,100 titles") in got, got


def test_capitalised_roles_after_a_name_and_coordinated_roles(triples):
    got = triples("The restoration is a milestone, said Dr Gwen Pascoe, Director of the Bexley Film Archive.")
    assert ("Gwen Pascoe", "leads", "Bexley Film Archive") in got, got
    got = triples("The archive matters, said Chiara Lotti, co-founder and Chief Executive of Lumen Forge.")
    assert {("Chiara Lotti", "founded", "Lumen Forge"), ("Chiara Lotti", "leads", "Lumen Forge")} <= got, got


def test_made_with_a_tool_uses_it(triples):
    assert ("Veyra", "uses", "Steelquill") in triples("Veyra was built with Steelquill, a voice system.")
    assert not [t for t in triples("The cake was made with love.") if t[1] == "uses"]


def test_awarded_to_drafted_by_and_chairing_a_panel(triples):
    assert ("Kwame Ofori", "secured", "prize") in triples("The prize has been awarded instead to the runner-up, Kwame Ofori.")
    assert ("Human Author Pledge", "releasedBy", "Playwrights' Guild") in triples(
        "The Human Author Pledge was drafted by the Playwrights' Guild.")
    assert ("Helga Brandt", "leads", "year's judging panel") in triples(
        "Helga Brandt, who chaired this year's judging panel, resigned.")


def test_works_listed_by_their_author(triples):
    got = triples("Acme hired the novelist Orla Quaid, whose novels include The Paper Orchard.")
    assert ("Orla Quaid", "knownFor", "Paper Orchard") in got, got
    assert not [t for t in got if t[2].startswith("whose")], got


def test_the_company_s_product_and_a_source_s_report(triples):
    got = triples("Cobalt Interactive, a games studio in Bolton, will train Gaitmaker, the studio's tool for animating characters.")
    assert ("Gaitmaker", "releasedBy", "Cobalt Interactive") in got, got
    # (the report is no name after the comma: China is the next clause's subject)
    got = triples("According to Amnesty's 2008 report, China executed at least 1,718 people.")
    assert [t for t in got if t[1] == "releasedBy"] == [("Amnesty's 2008 report", "releasedBy", "Amnesty")], got


def test_a_role_as_subject_of_a_copula(triples):
    assert ("Orla Quaid", "leads", "guild") in triples("The guild's Honorary President is the playwright Orla Quaid.")
    assert ("Jane Doe", "leads", "union") in triples("The union's president is Jane Doe.")


def test_a_known_term_takes_the_word_before_a_short_name(extract):
    assert "generative AI" in {m.text for m in extract("The rules ban generative AI in any part of an entry.").mentions}


def test_review_cases_of_the_new_name_and_relation_rules(extract, triples):
    names = {m.text for m in extract("The Beatles' Abbey Road was re-released. She won an Emmy for the HBO series "
                                     "Succession. The Democrats' House majority shrank.").mentions if m.kind == "name"}
    assert not {n for n in names if "'" in n or " for the " in n}, names
    got = triples("Fire Chief Dan Ortiz of the Austin Fire Department said the fire was out.")
    assert not [t for t in got if t[1] == "leads" and t[2] == "Fire Chief"], got
    got = triples("Penguin Random House, the publisher of Salman Rushdie, condemned the attack.", asserted=False)
    assert ("Penguin Random House", "open:publisher of", "Salman Rushdie") in got, got
    assert not [t for t in triples("Mark Rylance is best known for playing Hamlet in London.") if t[2] == "London"]
    assert not [t for t in triples("The deal was made with Acme Corp last year.") if t[1] == "uses"]
    types = {m.text: m.cls for m in extract("Acme installed solar panels on the roof.").mentions}
    assert not is_a(types.get("solar panels", "Concept"), "Organization"), types


def test_writing_for_a_paper_that_something_is_so_is_no_job(triples):
    got = triples("Senator Jane Doe wrote for the Washington Post that the bill was flawed.")
    assert not [t for t in got if t[1] == "worksFor"], got
