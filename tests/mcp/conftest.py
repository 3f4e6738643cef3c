"""A live kizuna.asgi (uvicorn in a thread) for the official MCP client to talk to."""

import pytest

from tests.pipelines.conftest import commit_files  # noqa: F401
from tests.repos.conftest import asgi_git_server  # noqa: F401


@pytest.fixture
def mcp_url(asgi_git_server):  # noqa: F811
    return f"{asgi_git_server.url}/mcp"
