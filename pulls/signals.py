"""`pull_request_changed` (pr=, actor=, action="opened" | "synchronize"): sent inside the transaction
when a pull request opens or its head moves (pipelines: pull_request triggers). Receivers connect in
their AppConfig.ready()."""

from django.dispatch import Signal

pull_request_changed = Signal()
