"""Python client for the Kizuna REST API v1 (docs/api.md §15).

    from kizuna_sdk import KizunaClient
    client = KizunaClient("https://kizuna.example.com", token)
    for repo in client.repos.list("my-org"):
        print(repo.full_name)
"""

__version__ = "0.1.0"
API_VERSION = "v1"

from .client import KizunaClient  # noqa: E402
from .errors import (  # noqa: E402
    ConflictError,
    ForbiddenError,
    GoneError,
    KizunaConnectionError,
    KizunaError,
    KizunaTimeoutError,
    NotFoundError,
    NotMergeableError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    ValidationError,
)
from .deprecations import DeprecationNotice, KizunaDeprecationWarning  # noqa: E402
from .models import Resource  # noqa: E402
from .transport import Paginator, RateLimit  # noqa: E402
from .webhooks import verify_signature  # noqa: E402

__all__ = [
    "API_VERSION",
    "ConflictError",
    "DeprecationNotice",
    "ForbiddenError",
    "GoneError",
    "KizunaClient",
    "KizunaConnectionError",
    "KizunaDeprecationWarning",
    "KizunaError",
    "KizunaTimeoutError",
    "NotFoundError",
    "NotMergeableError",
    "Paginator",
    "RateLimit",
    "RateLimitedError",
    "Resource",
    "ServerError",
    "UnauthorizedError",
    "ValidationError",
    "verify_signature",
    "__version__",
]
