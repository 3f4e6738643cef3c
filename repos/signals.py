"""What other apps hear from repositories, always inside the change's transaction (an exception in a
receiver rolls the change back). Receivers connect in their AppConfig.ready().

- `repository_created` (repo=, actor=): before the `repository.created` event (issues: default labels).
- `ref_updated` (repo=, ref=, before=, after=, actor=, event=): after every ref update, a push over
  HTTP or a merge, and its `push` event (pulls: synchronize and mergeability; pipelines: push triggers).
"""

from django.dispatch import Signal

repository_created = Signal()
ref_updated = Signal()
