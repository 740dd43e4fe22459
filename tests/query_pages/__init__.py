"""More entries of tests/core/test_query_counts.py's PAGES, one module per feature.

A module defines `PAGES: dict[(url name, role, kwargs key), Spec]` (it may import SIGNED_IN,
PROJECT, … from tests.core.test_query_counts) and optionally `grow(world)`, which adds rows of
its feature so that the test proves the counts do not grow with the data.
"""
