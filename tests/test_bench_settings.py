"""`make bench`'s settings and the order of its loads (the runs themselves are .ci/run's short bench)."""

from bench.load import order, turns
from bench.run import parse_args


def test_each_load_comes_first_as_often():
    orders = [order(3, turn) for turn in range(turns(5, 3))]
    assert orders[:3] == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    assert all(sorted(order) == [0, 1, 2] for order in orders)
    assert [order[0] for order in orders].count(0) == [order[0] for order in orders].count(2) == 2
    assert (turns(5, 2), turns(1, 2), turns(1, 3), turns(6, 3)) == (6, 2, 3, 6)


def test_a_revision_to_measure_against_gets_a_port_of_its_own():
    settings = parse_args(["--short", "--against", "main~3", "--port-base", "6100"])
    assert settings.against == "main~3"
    ports = {settings.project_port, settings.reference_port, settings.sink_port, settings.reference_sink_port}
    assert settings.against_port not in ports
    assert settings.against_url == f"http://127.0.0.1:{settings.against_port}"
    assert parse_args([]).against is None


def test_a_ratio_just_under_its_target_is_not_shown_as_reaching_it():
    from bench.run import Outcome

    outcome = Outcome()
    outcome.row("event page", 808.1, 1632.5, "req/s", 0.5)
    _name, _ours, _theirs, ratio, verdict = outcome.lines[0]
    assert ratio == "49.5%" and verdict == ">= 50%: MISSED"


def test_drains_in_turns_count_as_one():
    from bench.run import combined_drains

    runs = [{"sent": 1000, "seconds": 4.0, "due": 1000}, {"sent": 1000, "seconds": 6.0, "due": 1000}]
    together = combined_drains(runs)
    assert together == {"sent": 2000, "seconds": 10.0}
    assert together["sent"] / together["seconds"] == 200.0  # not the mean of 250 and 166.7 messages/s


def test_the_drain_turns_share_every_message_once():
    from bench.run import drain_shares

    shares = drain_shares(1087, 6)
    assert len(shares) == 6
    assert [start for start, _count in shares] == [0, *(start + count for start, count in shares[:-1])]
    assert sum(count for _start, count in shares) == 1087
    assert max(count for _s, count in shares) - min(count for _s, count in shares) <= 1
    assert drain_shares(3, 6) == [(0, 1), (1, 1), (2, 1)]  # fewer messages than turns: no empty turn
