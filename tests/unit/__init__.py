"""The fast tier: parsing, view builders, the record's templates, the claim helper and the rules on
an in-memory database, and the architecture itself.  No Slack stand-in, no HTTP: seconds.
"""
