"""`/mcp`: the Model Context Protocol endpoint (Streamable HTTP, the official `mcp` SDK).

Each tool is a REST call made in-process through Django's whole request path — the caller's own
token, the authorization policy, the rate limiter, the services and their events — so a tool's
answer and the REST API's cannot differ. See docs/mcp.md.
"""
