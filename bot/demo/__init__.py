"""The offline demonstration (`python -m bot demo`): its script, its tour of Slack's own
interface, the example meeting it ships with (`data/ptc-2020.yaml`), and the local Slack
stand-in (`standin/`) that the tests use too.  Imported only by the CLI's `demo` command (lazily)
and by the tests; it may import the app and every layer below.
"""
