#!/usr/bin/env python3
"""Sanity checks of this set's gold files (run from anywhere: python3 validate.py); the checks are
bench/gold_check.py's. CC0 1.0. Checks too that no invented name is reused from the other sets."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# (loaded by path: bench/ on sys.path would shadow the standard library's html with bench/html.py)
_spec = importlib.util.spec_from_file_location("gold_check", os.path.join(HERE, "..", "gold_check.py"))
gold_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gold_check)

# Sets whose invented names must not be reused (/work/shared sits beside the repository).
OTHER_SETS = [
    os.path.join(HERE, "..", "devset"),
    os.path.join(HERE, "..", "heldout"),
    os.path.join(HERE, "..", "heldout2"),
    os.path.join(HERE, "..", "..", "..", "shared", "seeds"),
    os.path.join(HERE, "..", "..", "..", "shared", "gold"),
]
# Ordinary words, months, real places and platforms of these pages that also occur elsewhere.
EXTRA_GENERIC = """Across Among AND Artistic Artists Ask Audiences Audio Authority Award Become Bristol Browse Built
Circle Companies Company Composers Content CONVERSATION Culture December Distribution Do Does
Education Europe Fast Floor Fourteen From Fund Further GMT Group Heard Help Here Hosted Human IN
Interviews January Journalists Keep Library Lite Living Log LONDON Mastodon Newsroom Nothing
November Organisations Performers Photographers Photographs Photography Pictures Pledge President
Pretty Production Public RAW Register Research Reviews Send Settings Society Stage Ten Thank There
Tide Trade Training TV Use Week Weekly Well WhatsApp Workshops"""

if __name__ == "__main__":
    sys.exit(gold_check.main(HERE, OTHER_SETS, EXTRA_GENERIC))
