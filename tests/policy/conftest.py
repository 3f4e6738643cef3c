"""The policy's tests reuse the pull request and pipeline fixtures (real git, CI agents)."""

from tests.pipelines.conftest import ci_repo, commit_files  # noqa: F401
from tests.pulls.conftest import pr_world, work  # noqa: F401
