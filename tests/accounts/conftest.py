from tests.api.conftest import make_agent, make_deploy_token  # noqa: F401
