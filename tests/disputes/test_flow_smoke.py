from django_scopes import scopes_disabled

from .conftest import STATES, make


def test_every_state_reachable(dw):
    for state in STATES:
        d = make(dw["A"], state)
        expected = {"not_accepted": "closed", "reviewed": "under_review", "redecided": "decided"}.get(state, state)
        assert d.status == expected, state
    with scopes_disabled():
        assert make(dw["A"], "decided").letter_number.startswith("宣医保争〔")
