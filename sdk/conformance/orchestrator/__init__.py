"""What sdk/conformance/run.py starts and runs: the toolchains of the drivers (toolchains), the live
server, the proxies and the webhook receiver (servers), each driver's fixtures (fixtures), a driver's
run over the scenarios (driver_runs) and the Go README examples (go_readme)."""
