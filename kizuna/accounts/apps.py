from django.apps import AppConfig
from django.db.models.signals import post_save


def _give_new_user_a_namespace(sender, instance, created, raw=False, **kwargs):
    """Every user has a personal namespace, however the user was made: `user_create`, but also
    `createsuperuser`, `User.objects.create_user` and the admin's user form, which write the row
    directly. A signal is the one hook all of those pass through."""
    if created and not raw:
        from .services import ensure_personal_namespace

        ensure_personal_namespace(instance)


class AccountsConfig(AppConfig):
    name = "kizuna.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        post_save.connect(_give_new_user_a_namespace, sender=self.get_model("User"),
                          dispatch_uid="kizuna.accounts.user_namespace")
