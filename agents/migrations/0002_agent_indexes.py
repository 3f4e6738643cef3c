from django.conf import settings
from django.db import migrations, models

GIN_NAME = "agents_agent_capabilities_gin"


def create_gin(apps, schema_editor):
    # `?capability=` on PostgreSQL is jsonb containment (`@>`), which a GIN index serves. SQLite has
    # neither, so there the filter scans (agent tables are small; see agents/filters.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {GIN_NAME} ON agents_agent USING gin (capabilities)")


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='agent',
            index=models.Index(fields=['created_at'], name='agents_agen_created_fa314f_idx'),
        ),
        migrations.RunPython(create_gin, drop_gin),
    ]
