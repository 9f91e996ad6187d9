"""Who a contribution is attributed to in the record, the digest and the forms.

A delegate speaks for their delegation.  The chair and the secretariat speak for no
delegation: their comments, group messages and roster entries are shown as "Chair" and
"Secretariat" (and kept apart from the delegations' figures).  One rule, used everywhere a
name is put on a comment or a person.
"""

from models import Delegation

ROLE_LABELS = {"chair": "Chair", "secretariat": "Secretariat"}


def attribution(role: str, delegation: Delegation | None) -> tuple[str, str]:
    """(name, kind): the delegation's name and kind (member | observer), or the role's label
    and the role itself for the chair, the secretariat, or anyone without a delegation."""
    if role in ROLE_LABELS or delegation is None:
        return ROLE_LABELS.get(role, role), role
    return delegation.name, delegation.kind
