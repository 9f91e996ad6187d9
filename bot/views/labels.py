"""The one table of labels: what a stored kind, outcome or role is called wherever a person reads
it: in Slack (items, decisions, forms, the digest, the Home) and in the record (CSV aside, which
keeps the stored values).  Change a word here and Slack, the digest and the record agree.

"noted" reads "Taken note of" everywhere: it is what the committee's record says ("the PTC took
note of"), where the record used to print the bare "Noted".
"""

from models import COMMENT_KINDS

DECISION_LABELS = {
    "approved": "Approved",
    "noted": "Taken note of",
    "deferred": "Deferred",
}

PROCEDURE_LABELS = {"chair": "by the chair", "silence": "adopted by silence procedure"}

COMMENT_KIND_LABELS = {
    "general": "General comment",
    "drafting": "Drafting suggestion",
    "support": "Support",
    "reservation": "Reservation",
}
COMMENT_KIND_HINTS = {
    "general": "A comment on the document or the proposal as a whole.",
    "drafting": "A change to the wording of the text.",
    "support": "Support for the proposal.",
    "reservation": "A reservation to be noted in the record.",
}
assert set(COMMENT_KIND_LABELS) == set(COMMENT_KINDS) == set(COMMENT_KIND_HINTS)
UNCLASSIFIED_LABEL = "Not classified"
CLASSIFICATION_LABELS = {**COMMENT_KIND_LABELS, "unclassified": UNCLASSIFIED_LABEL}

# Who wrote, in the record's tables and charts: plural for the delegations' kinds.
AUTHOR_KIND_LABELS = {
    "member": "Members",
    "observer": "Observers",
    "chair": "Chair",
    "secretariat": "Secretariat",
}


def decision_label(kind: str) -> str:
    return DECISION_LABELS.get(kind, kind)


def procedure_label(procedure: str) -> str:
    return PROCEDURE_LABELS.get(procedure, procedure)


def kind_label(kind: str | None) -> str:
    """ "Reservation", or "Not classified" for None (and any value this release does not know)."""
    return COMMENT_KIND_LABELS.get(kind or "", UNCLASSIFIED_LABEL)
