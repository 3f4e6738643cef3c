"""Resource groups of `KizunaClient` (docs/api.md §15), one module per group. Paths follow docs/api.md
exactly.

Each group calls the transport it is given (kizuna_sdk.transport.BaseClient); kizuna_sdk.client
attaches them to `KizunaClient`.
"""

from .agents import Agents
from .base import ResourceGroup, body, seg, subpath
from .events import Events
from .issues import Comments, Issues, Labels, Milestones
from .orgs import Orgs
from .pipelines import Pipelines
from .pulls import Pulls
from .repos import Branches, Repos
from .webhooks import Webhooks

__all__ = [
    "Agents",
    "Branches",
    "Comments",
    "Events",
    "Issues",
    "Labels",
    "Milestones",
    "Orgs",
    "Pipelines",
    "Pulls",
    "Repos",
    "ResourceGroup",
    "Webhooks",
    "body",
    "seg",
    "subpath",
]
