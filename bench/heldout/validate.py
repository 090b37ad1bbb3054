#!/usr/bin/env python3
"""Sanity checks for the held-out gold files (run from anywhere: python3 validate.py)."""
import glob, html, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = set("""Person Actor Director Writer Politician Organization Company LaborUnion GovernmentBody
Publication ResearchOrganization Campaign Document Letter Agreement CreativeWork Film Character Concept
LegalConcept Technology Event Place""".split())
PREDS = set("""signed argues secured urges joined advocates supports opposes criticizes warns addressedTo
memberOf worksFor knownFor playedRole directed gavePermission bans uses recommends documents estimates
requires sued represents founded leads partneredWith licensed releasedBy developedBy concernedAbout
spokeAbout replicates produced""".split())
KEYS = {"article", "entities", "facts", "negatives", "boilerplate"}


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


def check(path):
    errs, stats = [], {}
    d = json.load(open(path))
    if set(d) != KEYS:
        errs.append(f"keys {sorted(d)}")
    art = os.path.join(HERE, "articles", d["article"])
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


def main():
    files = sorted(glob.glob(os.path.join(HERE, "gold", "*.gold.json")))
    tot = {}
    bad = 0
    print(f"{'file':48} words ent facts core non neg(bp) bl")
    for p in files:
        try:
            errs, st = check(p)
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
    print(f"{len(files)} gold files, {bad} errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
