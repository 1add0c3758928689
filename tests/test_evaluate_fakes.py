import pytest

from .conftest import shared_path

pytestmark = pytest.mark.slow


def test_fakes_actor_and_place_recall_on_a_sample(pipeline):
    shared_path("corpus", "fakes", "fakes.csv")
    from sitrep.evaluate.fakes import actors_fakes, places_fakes

    actors = actors_fakes(pipeline, limit=40)
    places = places_fakes(pipeline, limit=40)
    assert "all (micro)" in actors and "all (micro)" in places
    recall = float(places.splitlines()[-2].split()[-1])
    assert recall > 0.7, places


def test_every_eval_set_is_listed():
    from sitrep.evaluate.runs import all_sets

    assert {"geo-lgl", "geo-gwn", "actors-fakes", "places-fakes"} <= set(all_sets())
