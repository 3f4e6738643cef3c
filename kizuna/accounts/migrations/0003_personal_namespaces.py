"""Users made without `user_create` (createsuperuser, create_user) had no personal namespace: give
every such user theirs. New users get one from the post_save hook in kizuna/accounts/apps.py."""

from django.db import migrations
from django.db.models.functions import Lower


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Namespace = apps.get_model("accounts", "Namespace")
    taken = set(Namespace.objects.annotate(l=Lower("login")).values_list("l", flat=True))
    for user in User.objects.filter(namespace__isnull=True).iterator():
        if user.username.lower() in taken:  # an organisation holds the name: nothing safe to create
            continue
        Namespace.objects.create(user=user, login=user.username, kind="User")
        taken.add(user.username.lower())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
