"""Seed the load-test data: `python manage.py shell < bench/load/seed.py` (env LOAD_USERS, default 20).

An org `load` with a public repo `app` (a pipeline definition, 50 issues, a PR) and one user per
simulated client, each with a personal token. Writes the tokens to $LOAD_TOKENS (default
var/load-tokens.txt), one per line."""

import os
import uuid

import pygit2

from issues import services as issue_services
from kizuna.accounts import services as account_services
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Role, Token
from pulls import services as pull_services
from repos import git as repo_git
from repos import services as repo_services

N = int(os.environ.get("LOAD_USERS", "20"))
out = os.environ.get("LOAD_TOKENS", "var/load-tokens.txt")
tag = uuid.uuid4().hex[:6]
owner = account_services.user_create(login=f"load-owner-{tag}", password="pw")
org = account_services.org_create(creator=owner, login=f"load-{tag}")
actor = actor_for_user(owner)
repo = repo_services.repo_create(actor=actor, namespace=org, name="app", visibility="public", auto_init=True)
git_repo = pygit2.Repository(str(repo_git.repo_path(repo.pk)))
sig = pygit2.Signature("Load", "load@example.com")
main = git_repo.get(git_repo.references["refs/heads/main"].target)
builder = git_repo.TreeBuilder(main.tree)
# .kizuna/pipeline.yml: a subtree
sub = git_repo.TreeBuilder()
sub.insert("pipeline.yml", git_repo.create_blob(b"jobs:\n  test:\n    steps:\n      - run: echo ok\n"), pygit2.enums.FileMode.BLOB)
builder.insert(".kizuna", sub.write(), pygit2.enums.FileMode.TREE)
new_main = git_repo.create_commit("refs/heads/main", sig, sig, "pipeline", builder.write(), [main.id])
feature = git_repo.TreeBuilder(git_repo.get(new_main).tree)
feature.insert("feature.txt", git_repo.create_blob(b"f\n"), pygit2.enums.FileMode.BLOB)
git_repo.create_commit("refs/heads/feature", sig, sig, "feature", feature.write(), [new_main])
for i in range(50):
    issue_services.issue_create(repo=repo, actor=actor, title=f"seed issue {i}", body="x" * 200)
pull_services.pull_create(repo=repo, actor=actor, title="feature", head="feature", base="main")
tokens = []
for i in range(N):
    user = account_services.user_create(login=f"load-{tag}-u{i}", password="pw")
    account_services.member_set(actor=actor, org=org, user=user, role=Role.WRITE)
    _, raw = account_services.token_create(kind=Token.Kind.PERSONAL, name="load", user=user, scopes=["read", "write"],
                                          actor=actor_for_user(user), created_by=user)
    tokens.append(raw)
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with open(out, "w") as fh:
    fh.write(f"{org.login}/app\n" + "\n".join(tokens) + "\n")
print(f"seeded {org.login}/app with {N} users -> {out}")
