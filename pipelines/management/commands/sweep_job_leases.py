from django.core.management.base import BaseCommand

from pipelines.services import sweep_expired_leases


class Command(BaseCommand):
    help = "Re-queue pipeline jobs whose lease expired (claims also do this); run it from cron for idle systems."

    def handle(self, *args, **options):
        total = 0
        while True:
            swept = sweep_expired_leases()
            total += swept
            if swept < 100:
                break
        self.stdout.write(f"{total}")
