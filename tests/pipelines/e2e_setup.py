"""Seeds the end-to-end server's database (run as a script with the server's environment); prints JSON."""

import json
import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")

import django  # noqa: E402

django.setup()

from agents.models import Agent  # noqa: E402
from kizuna.accounts import services  # noqa: E402
from kizuna.accounts.actors import actor_for_agent, actor_for_user  # noqa: E402
from repos.services import repo_create  # noqa: E402
from tests.pipelines.conftest import commit_files  # noqa: E402

PIPELINES = {
    "main": """
jobs:
  test:
    env: {GREETING: hello}
    steps:
      - run: echo "$GREETING from $KIZUNA_REF"; test -f README.md
      - run: echo "variable=$COLOR"
""",
    "failing": """
jobs:
  test:
    steps:
      - run: echo before; exit 3
      - run: echo never
""",
    "sleepy": """
jobs:
  test:
    steps:
      - run: echo started; sleep 120 & echo $! > "$PIDFILE"; wait
""",
    "slow": """
jobs:
  test:
    timeout: 2
    steps:
      - run: echo slow; sleep 60
""",
    "flaky": """
jobs:
  test:
    steps:
      - run: |
          echo "attempt $KIZUNA_JOB_ATTEMPT"
          if [ "$KIZUNA_JOB_ATTEMPT" = 1 ]; then echo $$ > "$PIDFILE"; echo sleeping; sleep 120; fi
          echo done
""",
}

user = services.user_create(login="e2e-owner", password="pw")
_, personal = services.token_create(kind="personal", name="e2e", user=user, actor=actor_for_user(user),
                                    scopes=["read", "write", "admin"])
repo = repo_create(actor=actor_for_user(user), namespace=user.namespace, name="app", visibility="private")
for branch, text in PIPELINES.items():
    commit_files(repo, {".kizuna/pipeline.yml": text, "README.md": "e2e\n"}, branch=branch)
other = repo_create(actor=actor_for_user(user), namespace=user.namespace, name="other", visibility="private")
commit_files(other, {"README.md": "another repository\n"}, branch="main")
agents = []
for name in ("runner-one", "runner-two"):
    agent = Agent.objects.create(name=name, operator=user, model_family="test", model_version="1", capabilities=["ci"], trust_level=2)
    actor_for_agent(agent)
    _, raw = services.token_create(kind="agent", name=name, agent=agent, actor=None)
    agents.append(raw)
print(json.dumps({"personal": personal, "agents": agents, "repo": "e2e-owner/app", "repo_id": repo.pk}))
