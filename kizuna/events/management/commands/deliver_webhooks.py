"""Send every due webhook delivery (the sweeper). `--loop` keeps sweeping every `--interval` seconds.

Deliveries are normally sent by the `deliver_webhook` task enqueued on commit; this catches rows
whose enqueue was lost (a crash between commit and enqueue) or whose worker died mid-attempt, and
retries on backends without deferred tasks. `make run` starts it beside the task worker; in
production run it as its own process (or from cron without `--loop`).
"""

import time

from django.core.management.base import BaseCommand

from kizuna.events.tasks import deliver_due


class Command(BaseCommand):
    help = "Send every due webhook delivery (new, retries, and ones a crashed worker left behind)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep sweeping until interrupted")
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between sweeps with --loop")

    def handle(self, *, loop: bool, interval: float, **options):
        while True:
            while deliver_due(limit=100):
                pass
            if not loop:
                return
            time.sleep(interval)
