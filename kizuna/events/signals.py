"""The event log's signal: `event_emitted` is sent by `emit_event` with `event=` inside the change's
transaction, after the row is written. Receivers (webhook delivery rows, the SSE wake-up, agents'
reputation) connect in their AppConfig.ready(); an exception in one rolls the whole change back."""

from django.dispatch import Signal

event_emitted = Signal()
