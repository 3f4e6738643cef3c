from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_issues(apps, schema_editor):
    """Each repository's issues (pull requests excluded), as issues.services keeps them from now on."""
    Repository = apps.get_model("repos", "Repository")
    Issue = apps.get_model("issues", "Issue")
    counted = (Issue.objects.filter(repository=OuterRef("pk"), is_pull_request=False).order_by()
               .values("repository").annotate(n=Count("pk")).values("n"))
    Repository.objects.update(issues_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("repos", "0001_initial"),
        ("issues", "0003_issue_label_state"),
    ]

    operations = [
        migrations.AddField(model_name="repository", name="issues_count", field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(count_issues, migrations.RunPython.noop),
    ]
