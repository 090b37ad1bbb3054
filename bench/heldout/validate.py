#!/usr/bin/env python3
"""Sanity checks of this set's gold files (run from anywhere: python3 validate.py); the checks are
bench/gold_check.py's. CC0 1.0."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# (loaded by path: bench/ on sys.path would shadow the standard library's html with bench/html.py)
_spec = importlib.util.spec_from_file_location("gold_check", os.path.join(HERE, "..", "gold_check.py"))
gold_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gold_check)


if __name__ == "__main__":
    sys.exit(gold_check.main(HERE))
