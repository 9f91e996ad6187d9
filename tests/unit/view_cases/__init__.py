"""Sample renderings of every view, for tests/unit/test_views_in_languages.py.

Each module here exports `CASES`: "module.function" (the view, as bot/views names it) -> a
function of no arguments that renders it with sample values.  The test renders each case in
every language Docket speaks.
"""
