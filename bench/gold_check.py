"""Sanity checks of a gold set in the format of shared/gold, shared by bench/heldout,
bench/heldout2 and bench/heldout3 (each set's validate.py calls :func:`main` with its folder).

Written for those sets (CC0); released under CC0 1.0. Checks: valid JSON with the five keys, known
ids, core classes and predicates only, labels among aliases, evidence verbatim in the body (or the
page, for negatives), exact boilerplate lines, core facts naming both their ends, no alias shared
by two entities, no fact that is also a negative, and, when other sets are given, no invented name
reused from them."""
import glob, html, json, os, re

CLASSES = set("""Person Actor Director Writer Politician Organization Company LaborUnion GovernmentBody
Publication ResearchOrganization Campaign Document Letter Agreement CreativeWork Film Character Concept
LegalConcept Technology Event Place""".split())
PREDS = set("""signed argues secured urges joined advocates supports opposes criticizes warns addressedTo
memberOf worksFor knownFor playedRole directed gavePermission bans uses recommends documents estimates
requires sued represents founded leads partneredWith licensed releasedBy developedBy concernedAbout
spokeAbout replicates produced""".split())
KEYS = {"article", "entities", "facts", "negatives", "boilerplate"}
# Capitalised words of the pages that also occur in the other sets and were reviewed as ordinary
# English words, site-chrome words, real companies/platforms or real places used as background.
GENERIC = set("""A ADVERTISEMENT AI About Accept Added Additional Advertise Advertising Agencies Agency All
America And April Archive Are Art Arts Association Authors BY Bluesky Board Books Both Britain Build
Business But By CUT Canada Capital Central Chief Click Coalition Collective Comments Commercial Concept
Contact Cookie Copy Copying Copyright Could Council Court Craft Creative Cut DAILY Daily Daughter
Director District Editing Email England Entertainment Ethics Events Every Everyone Executive Facebook
Fashion Feature Features February Festival Filed Film First Five For Former Four Friday Games Get Good
Guild Half Has He Home House How I INTERVIEWS If Image Images Imaging In Inc Independent Industry
Institute Intellectual Interactive Interview Is It Its Jobs Journalist Judge Jun June K LLP Labour Labs
Last Leave Legal Licensing Like LinkedIn Links London Ltd M Made Manage March Markets May Media Members
Models Monday More Morning Most Move My NEWS National Neither Network News NewsArticle Newsletter No
Nobody None North Not October On Only Open Opinion Organization Our PM PROVIDED People Person Photo
Photograph Policy Post Posted Powered Press Principles Print Privacy Process Property Published
Publishing Read Record Registered Reject Related Releases Reply Reporter Reporting Required Restoration
Review Rights S SOURCE Save Saw School Search Second Senior September Share She Shop Sign Signed
Software Some Songwriters Standards Streaming Studio Studios Submit Subscribe Systems Tags Talent Tech
Technology Terms That The Their Theme Themes Then They This Three Thursday Topics Trust Tuesday Two U
UK UTC Under Union University Updated Video Wales We Wednesday What When Why Will Within Workers World
Would X Yes You Your""".split())


def load_other_sets(other_sets):
    texts = []
    for d in other_sets:
        for f in glob.glob(os.path.join(d, "**", "*"), recursive=True):
            if os.path.isfile(f) and not f.endswith(".py"):
                texts.append(open(f, encoding="utf-8", errors="ignore").read())
    if not texts:
        return None, None
    low = re.sub(r"\s+", " ", " ".join(texts).lower())
    return low, set(re.findall(r"[a-z0-9]+", low))


def name_reuse(raw, d, other_text, other_words, generic):
    """Word-by-word and whole-name check of this page and its gold against the other sets."""
    errs = []
    if other_words is None:
        return errs
    text = strip_tags(raw) if d["article"].endswith(".html") else raw
    for t in sorted(set(re.findall(r"[A-Za-z0-9]+", text))):
        if t[0].isupper() and t not in generic and t.lower() in other_words:
            errs.append(f"name word reused from another set: {t}")
    names = [a for e in d["entities"] for a in e["aliases"]]
    names += [x for n in d["negatives"] for k in ("s_text", "o_text") for x in n.get(k, [])]
    for a in names:
        toks = re.findall(r"[A-Za-z0-9]+", a)
        caps = [t for t in toks if t[0].isupper()]
        if any(t not in generic for t in caps) or len(caps) >= 2:
            if re.search(r"(?<![a-z0-9])" + re.escape(re.sub(r"\s+", " ", a.lower())) + r"(?![a-z0-9])", other_text):
                errs.append(f"name reused from another set: {a!r}")
    return errs


def strip_tags(s):
    s = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", s)
    s = re.sub(r"(?is)</?(em|i|b|strong|a|span|abbr|cite)\b[^>]*>", "", s)
    s = re.sub(r"(?s)<[^>]+>", " ", s)
    return re.sub(r"\s+", " ", html.unescape(s)).strip()


def html_parts(raw):
    h1 = re.search(r"(?s)<h1[^>]*>(.*?)</h1>", raw).group(1)
    dek = re.search(r'(?s)<p class="dek">(.*?)</p>', raw).group(1)
    content = re.search(r'(?s)<div class="entry-content">(.*?)</div>\s*<footer', raw).group(1)
    body = " \n ".join(strip_tags(x) for x in (h1, dek, content))
    return body, strip_tags(raw)


def check(path, here, other_text=None, other_words=None, generic=frozenset()):
    errs, stats = [], {}
    d = json.load(open(path))
    if set(d) != KEYS:
        errs.append(f"keys {sorted(d)}")
    art = os.path.join(here, "articles", d["article"])
    if not os.path.exists(art):
        return [f"article missing: {d['article']}"], stats
    if os.path.basename(path) != d["article"].rsplit(".", 1)[0] + ".gold.json":
        errs.append("gold file name does not match article")
    raw = open(art, encoding="utf-8").read()
    if art.endswith(".html"):
        body, page = html_parts(raw)
        if d["boilerplate"]:
            errs.append("HTML page should have empty boilerplate")
    else:
        lines = raw.split("\n")
        for b in d["boilerplate"]:
            if b not in lines:
                errs.append(f"boilerplate line not found: {b!r}")
        bl = set(d["boilerplate"])
        body = "\n".join(l for l in lines if l not in bl)
        page = raw
    errs += name_reuse(raw, d, other_text, other_words, generic)
    norm = lambda s: re.sub(r"\s+", " ", s)
    nbody, npage = norm(body), norm(page)
    ids = {}
    for e in d["entities"]:
        if e["id"] in ids:
            errs.append(f"duplicate id {e['id']}")
        ids[e["id"]] = e
        for t in e["types"]:
            if t not in CLASSES:
                errs.append(f"{e['id']}: bad class {t}")
        if e["label"] not in e["aliases"]:
            errs.append(f"{e['id']}: label not among aliases")
        if not any(a.lower() in nbody.lower() for a in e["aliases"]):
            errs.append(f"{e['id']}: no alias occurs in the body")

    def idcheck(v, where):
        for x in (v if isinstance(v, list) else [v]):
            if x not in ids:
                errs.append(f"{where}: unknown id {x}")

    def evcheck(ev, text, where):
        for part in ev.split(" ... "):
            if norm(part) not in text:
                errs.append(f"{where}: evidence not found: {part!r}")

    for i, f in enumerate(d["facts"]):
        w = f"fact {i}"
        if set(f) != {"s", "p", "o", "evidence", "core"}:
            errs.append(f"{w}: keys {sorted(f)}")
        idcheck(f["s"], w); idcheck(f["o"], w)
        for p in f["p"]:
            if p not in PREDS:
                errs.append(f"{w}: bad predicate {p}")
        if not isinstance(f["core"], bool):
            errs.append(f"{w}: core not boolean")
        evcheck(f["evidence"], nbody, w)
    # core facts: an alias of the subject and one of the object occur inside the evidence
    def has_alias(v, ev):
        return any(a.lower() in ev.lower() for x in (v if isinstance(v, list) else [v]) if x in ids
                   for a in ids[x]["aliases"])
    for i, f in enumerate(d["facts"]):
        if f.get("core") is True and not (has_alias(f["s"], f["evidence"]) and has_alias(f["o"], f["evidence"])):
            errs.append(f"fact {i}: core fact without subject and object aliases in its evidence")
    # no alias names two entities of the same file
    seen = {}
    for e in d["entities"]:
        for a in e["aliases"]:
            k = a.lower()
            if k in seen and seen[k] != e["id"]:
                errs.append(f"alias {a!r} shared by {seen[k]} and {e['id']}")
            seen[k] = e["id"]
    nbp = 0
    for i, n in enumerate(d["negatives"]):
        w = f"negative {i}"
        if ("s" in n) == ("s_text" in n) or ("o" in n) == ("o_text" in n):
            errs.append(f"{w}: needs exactly one of s/s_text and of o/o_text")
        if "s" in n: idcheck(n["s"], w)
        if "o" in n: idcheck(n["o"], w)
        for p in n["p"]:
            if p not in PREDS:
                errs.append(f"{w}: bad predicate {p}")
        if "evidence" in n:
            evcheck(n["evidence"], npage, w)
        if not n.get("reason"):
            errs.append(f"{w}: no reason")
        if n.get("reason", "").startswith("boilerplate"):
            nbp += 1
            if "evidence" in n and all(norm(p) in nbody for p in n["evidence"].split(" ... ")):
                errs.append(f"{w}: boilerplate negative whose evidence is in the body")
    # facts that are also negatives (same s, o and a shared predicate) would be contradictory
    def ks(v): return set(v if isinstance(v, list) else [v])
    for f in d["facts"]:
        for n in d["negatives"]:
            if "s" in n and "o" in n and ks(f["s"]) & ks(n["s"]) and ks(f["o"]) & ks(n["o"]) and set(f["p"]) & set(n["p"]):
                errs.append(f"fact/negative clash: {f['s']} {f['p']} {f['o']}")
    core = sum(f["core"] for f in d["facts"])
    stats = dict(words=len(re.findall(r"\S+", body)), entities=len(ids), facts=len(d["facts"]), core=core,
                 noncore=len(d["facts"]) - core, negatives=len(d["negatives"]), neg_bp=nbp,
                 boilerplate=len(d["boilerplate"]))
    return errs, stats


def main(here, other_sets=(), extra_generic=""):
    """Check every gold file of the set in ``here``; names must not come from ``other_sets``
    (capitalised words in GENERIC and ``extra_generic`` excepted). Returns the exit status."""
    other_text, other_words = load_other_sets(other_sets)
    generic = GENERIC | set(extra_generic.split())
    files = sorted(glob.glob(os.path.join(here, "gold", "*.gold.json")))
    tot = {}
    bad = 0
    print(f"{'file':48} words ent facts core non neg(bp) bl")
    for p in files:
        try:
            errs, st = check(p, here, other_text, other_words, generic)
        except Exception as ex:  # noqa
            errs, st = [f"exception: {ex!r}"], {}
        name = os.path.basename(p)
        if st:
            print(f"{name:48} {st['words']:5} {st['entities']:3} {st['facts']:5} {st['core']:4} {st['noncore']:3} "
                  f"{st['negatives']:3}({st['neg_bp']}) {st['boilerplate']:3}")
            for k, v in st.items():
                tot[k] = tot.get(k, 0) + v
        for e in errs:
            print("   ERROR", e)
        bad += len(errs)
    if tot:
        print(f"{'TOTAL':48} {tot['words']:5} {tot['entities']:3} {tot['facts']:5} {tot['core']:4} {tot['noncore']:3} "
              f"{tot['negatives']:3}({tot['neg_bp']}) {tot['boilerplate']:3}")
    if other_sets and other_words is None:
        print("note: other sets not found, name-reuse check skipped")
    print(f"{len(files)} gold files, {bad} errors")
    return 1 if bad else 0
