from django.core.management.base import BaseCommand, CommandError

from agents import reputation
from agents.models import Agent


class Command(BaseCommand):
    help = "Recompute agents' reputation_score from the event log and stamp last_audited (docs/agents.md)."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Agent names (default: every agent)")

    def handle(self, *args, **options):
        names = options["names"]
        if not names:
            count = reputation.recompute_all_reputations()
            self.stdout.write(f"Recomputed {count} agent(s).")
            return
        for name in names:
            agent = Agent.objects.select_related("operator").filter(name=name.lower()).first()
            if agent is None:
                raise CommandError(f"No agent named {name!r}")
            reputation.recompute_reputation(agent)
            self.stdout.write(f"{agent.name}: {agent.reputation_score:.4f}")
