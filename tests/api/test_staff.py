"""Staff endpoints: model versions (activate, roll back) and training runs."""

from unittest import mock

import pytest

from recommendations.models import ModelVersion, TrainingRun
from tests.api.conftest import client_for


@pytest.fixture
def versions(db):
    old = ModelVersion.objects.create(algorithm="popularity", metrics={"all": {"ndcg@10": 0.1}})
    new = ModelVersion.objects.create(algorithm="ease", metrics={"all": {"ndcg@10": 0.2}})
    return old, new


def test_non_staff_are_refused(api, anon, versions):
    for client, code in ((anon, 401), (api, 403)):
        assert client.get("/api/v1/models/").status_code == code
        assert client.post(f"/api/v1/models/{versions[0].pk}/activate/").status_code == code
        assert client.post("/api/v1/models/rollback/").status_code == code
        assert client.get("/api/v1/training-runs/").status_code == code
        assert client.post("/api/v1/training-runs/", {"algorithm": "popularity"}).status_code == code
    assert not ModelVersion.objects.filter(is_active=True).exists()
    assert not TrainingRun.objects.exists()


def test_list_activate_and_roll_back(staff, versions):
    client = client_for(staff)
    old, new = versions
    listed = client.get("/api/v1/models/").json()["results"]
    assert {v["id"] for v in listed} == {old.pk, new.pk}
    assert listed[0]["metrics"]["all"]["ndcg@10"] in (0.1, 0.2)
    assert client.post("/api/v1/models/rollback/").status_code == 409
    assert client.post(f"/api/v1/models/{old.pk}/activate/").json()["is_active"] is True
    assert client.post(f"/api/v1/models/{new.pk}/activate/").json()["is_active"] is True
    rolled = client.post("/api/v1/models/rollback/")
    assert rolled.status_code == 200 and rolled.json()["id"] == old.pk
    assert client.post("/api/v1/models/999999/activate/").status_code == 404


def test_start_a_training_run_queues_it_on_commit(staff, django_capture_on_commit_callbacks):
    client = client_for(staff)
    with (
        mock.patch("recommendations.tasks.train_model.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/api/v1/training-runs/", {"algorithm": "popularity", "max_configs": 2})
    assert response.status_code == 201
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert (run.trigger, run.requested_by, run.options) == ("api", staff, {"max_configs": 2})
    delay.assert_called_once_with(run.pk)
    assert client.get(f"/api/v1/training-runs/{run.pk}/").json()["status"] == "queued"
    assert client.get("/api/v1/training-runs/").json()["count"] == 1


def test_training_run_bad_input(staff):
    response = client_for(staff).post("/api/v1/training-runs/", {"algorithm": "magic", "max_configs": 0})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"algorithm", "max_configs"}
