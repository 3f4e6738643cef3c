from django.apps import AppConfig


class PullsConfig(AppConfig):
    name = "pulls"
    verbose_name = "Pull requests"

    def ready(self):
        from kizuna.policy import facts
        from repos.signals import ref_updated

        from . import reads
        from .services import on_ref_updated

        # Branch protection is decided by the policy, on rules and reviews it reads through here.
        facts.answer(protection_of=reads.protection_of, protections=reads.protections,
                     verdict_reviews=reads.verdict_reviews)
        ref_updated.connect(on_ref_updated, dispatch_uid="pulls.on_ref_updated")
