import pytest
from django.core.management import call_command

from bonnebouffe.jobs.models import Job, JobStatus
from bonnebouffe.jobs.registry import register
from bonnebouffe.jobs.services import JobFailed, job_cancel, job_run
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.territory.models import Municipality


@register("test.count")
def count_job(params, progress):
    for i in range(params["n"]):
        progress(int(100 * i / params["n"]), f"step {i}")
    return {"counted": params["n"]}


@register("test.fail")
def failing_job(params, progress):
    raise JobFailed("Ça n'a pas marché", ["détail 1"])


def test_a_job_runs_with_progress_and_result(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(kind="test.count", title="Compter", owner=None, params={"n": 5})
    job.refresh_from_db()
    assert (job.status, job.progress, job.result) == (JobStatus.SUCCEEDED, 100, {"counted": 5})


def test_a_failing_job_keeps_its_error_and_details(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(kind="test.fail", title="Échouer", owner=None, params={})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Ça n'a pas marché" and job.result == {"errors": ["détail 1"]}


def test_a_cancelled_waiting_job_never_runs(db):
    job = Job.objects.create(kind="test.count", title="x", params={"n": 3})
    job_cancel(job=job)
    assert job_run(job_id=job.pk) == JobStatus.CANCELLED


def test_a_running_job_stops_at_its_next_progress_report(db):
    job = Job.objects.create(kind="test.cancel_midway", title="x", params={})

    @register("test.cancel_midway")
    def midway(params, progress):
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        progress(50, "half")
        return {"never": True}

    assert job_run(job_id=job.pk) == JobStatus.CANCELLED
    job.refresh_from_db()
    assert job.result is None


def test_running_a_job_twice_runs_it_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(kind="test.count", title="x", owner=None, params={"n": 1})
    assert job_run(job_id=job.pk) == JobStatus.SUCCEEDED  # already finished: left alone


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_and_its_worker_run_a_job():
    job = job_submit(kind="test.count", title="x", owner=None, params={"n": 2}, backend="db")
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    call_command("db_worker", "--batch", "--no-startup-delay", "--backend", "db")
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_job_runs_through_the_redis_backend_on_the_real_redis_server():
    import django_rq
    from django_tasks_rq.backend import Job as RQJob
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=RQJob)
    try:
        queue.connection.ping()
    except RedisConnectionError:
        pytest.fail("the machine's Redis server is not running on 127.0.0.1:6379")
    queue.empty()
    job = job_submit(kind="test.count", title="x", owner=None, params={"n": 3}, backend="rq")
    assert queue.count == 1
    worker = SimpleWorker([queue], connection=queue.connection, job_class=RQJob)
    worker.work(burst=True)
    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"counted": 3})
    assert job.task_result_id


def test_the_census_import_runs_as_a_job_from_the_page(
    tiny_network, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = tiny_network.client("admin")
    upload = SimpleUploadedFile(
        "pop.csv", b"csd_code,population\n2467005,2700\n", content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/territoire/importer/", {"kind": "municipalities", "file": upload})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED
    assert Municipality.objects.get(csd_code="2467005").population == 2700
    page = client.get(response.url)
    assert page.status_code == 200 and b'value="100"' in page.content
    # The HTMX poll returns only the progress partial.
    partial = client.get(response.url, headers={"hx-request": "true"})
    assert b"<html" not in partial.content and b"job-progress" in partial.content


def test_people_only_see_their_own_jobs(tiny_network):
    job = Job.objects.create(
        kind="test.count", title="x", params={}, owner=tiny_network.users["coord_r"]
    )
    assert tiny_network.client("coord_r").get(f"/taches/{job.pk}/").status_code == 200
    assert tiny_network.client("coord_h").get(f"/taches/{job.pk}/").status_code == 404
    assert tiny_network.client("coord_h").get(f"/api/jobs/{job.pk}").status_code == 404
