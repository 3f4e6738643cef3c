"""The label link becomes an explicit model (IssueLabel) on the same table, carrying copies of its issue's
`state`, `is_pull_request` and `created_at`, with an index answering "the newest / how many open issues
carry this label" alone
(docs/benchmarks.md "Issues"). Existing links are back-filled from their issues."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def back_fill(apps, schema_editor):
    Issue = apps.get_model("issues", "Issue")
    IssueLabel = apps.get_model("issues", "IssueLabel")
    of_issue = Issue.objects.filter(pk=OuterRef("issue_id"))
    IssueLabel.objects.update(issue_state=Subquery(of_issue.values("state")[:1]),
                              is_pull_request=Subquery(of_issue.values("is_pull_request")[:1]),
                              issue_created_at=Subquery(of_issue.values("created_at")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ("issues", "0002_list_indexes"),
    ]

    operations = [
        # The auto-created table already has these columns and the (issue, label) unique constraint: state only.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IssueLabel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("issue", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="issues.issue")),
                        ("label", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="issues.label")),
                    ],
                    options={"db_table": "issues_issue_labels", "unique_together": {("issue", "label")}},
                ),
                migrations.AlterField(
                    model_name="issue",
                    name="labels",
                    field=models.ManyToManyField(blank=True, related_name="issues", through="issues.IssueLabel", to="issues.label"),
                ),
            ],
        ),
        # A placeholder default only while the column is added; the back-fill writes the real values.
        migrations.AddField(
            model_name="issuelabel",
            name="issue_state",
            field=models.CharField(choices=[("open", "Open"), ("closed", "Closed")], default="open", max_length=6),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="issuelabel",
            name="is_pull_request",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="issuelabel",
            name="issue_created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(back_fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="issuelabel",
            index=models.Index(fields=["label", "is_pull_request", "issue_state", "issue_created_at", "issue"],
                               name="issue_label_state_idx"),
        ),
    ]
