"""Default periodic tasks for celery beat; operators edit or disable them in the admin
(Periodic tasks). Created once: a later migrate never overwrites an operator's changes."""

import json

from django.db import migrations

SCHEDULES = [
    # (name, task, crontab minute, hour, kwargs)
    ("Nightly training (hybrid)", "recommendations.tasks.scheduled_training", "0", "3", {"algorithm": "hybrid"}),
    ("Precompute home rows", "recommendations.tasks.precompute_rows", "30", "*/6", {}),
    ("Refresh title statistics", "recommendations.tasks.refresh_title_stats", "15", "*", {}),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, kwargs in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, kwargs=json.dumps(kwargs))


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0006_model_versions_runs_rows"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
