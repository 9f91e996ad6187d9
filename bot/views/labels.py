"""The one table of labels: what a stored kind, outcome or role is called wherever a person reads
it: in Slack (items, decisions, forms, the digest, the Home) and in the record (CSV aside, which
keeps the stored values).  Change a word here and Slack, the digest and the record agree.

The tables hold the English words, marked for the catalog (`N_`); read them through the
functions below, or with `_()` where a table is read directly, so each reader gets their
language (bot/views/i18n.py).

"noted" reads "Taken note of" everywhere: it is what the committee's record says ("the PTC took
note of"), where the record used to print the bare "Noted".
"""

from bot.views.i18n import N_, _
from models import COMMENT_KINDS

DECISION_LABELS = {
    "approved": N_("Approved"),
    "noted": N_("Taken note of"),
    "deferred": N_("Deferred"),
}

PROCEDURE_LABELS = {"chair": N_("by the chair"), "silence": N_("adopted by silence procedure")}

COMMENT_KIND_LABELS = {
    "general": N_("General comment"),
    "drafting": N_("Drafting suggestion"),
    "support": N_("Support"),
    "reservation": N_("Reservation"),
}
COMMENT_KIND_HINTS = {
    "general": N_("A comment on the document or the proposal as a whole."),
    "drafting": N_("A change to the wording of the text."),
    "support": N_("Support for the proposal."),
    "reservation": N_("A reservation to be noted in the record."),
}
assert set(COMMENT_KIND_LABELS) == set(COMMENT_KINDS) == set(COMMENT_KIND_HINTS)
UNCLASSIFIED_LABEL = N_("Not classified")
CLASSIFICATION_LABELS = {**COMMENT_KIND_LABELS, "unclassified": UNCLASSIFIED_LABEL}

# Who wrote, in the record's tables and charts: plural for the delegations' kinds.
AUTHOR_KIND_LABELS = {
    "member": N_("Members"),
    "observer": N_("Observers"),
    "chair": N_("Chair"),
    "secretariat": N_("Secretariat"),
}


def decision_label(kind: str) -> str:
    """ "Approved", in the active language (an unknown kind as stored)."""
    label = DECISION_LABELS.get(kind)
    return _(label) if label else kind


def procedure_label(procedure: str) -> str:
    label = PROCEDURE_LABELS.get(procedure)
    return _(label) if label else procedure


def kind_label(kind: str | None) -> str:
    """ "Reservation", or "Not classified" for None (and any value this release does not know),
    in the active language."""
    return _(COMMENT_KIND_LABELS.get(kind or "", UNCLASSIFIED_LABEL))
