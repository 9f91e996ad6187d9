"""The rules, on one sqlmodel Session at an explicit `now` (aware, UTC): meetings and roster,
permissions, comments, decisions, silence procedures, revisions and final concerns, drafting
groups, classification, item state, and the data the Home, the digest and the record show.
Functions return frozen dataclasses whose outcome fields are Literals or Enums, never message
text; the caller owns the session.  Imports `bot.parse`, `bot.core` and `models`; never Block
Kit, `bot.views`, `bot.slack`, `slack_sdk` or `slack_bolt`.
"""
