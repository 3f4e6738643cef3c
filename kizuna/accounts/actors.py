"""The Actor row of whoever acts: a user, an agent or a deploy token (who an event names).

Looking an actor up may write: the row is created on first use (get_or_create), so these run
inside the caller's transaction like any other write. They import nothing that emits events, so
the event log (kizuna/events/log.py) can use them too.
"""

from django.db.models import Q

from kizuna.statements import Param, statement

from .models import Actor, User
from .principals import principal_kind


def actor_for_user(user: User) -> Actor:
    cached = user.__dict__.get("_kizuna_actor")
    if cached is None:
        try:
            cached = user.actor
        except Actor.DoesNotExist:
            cached, _ = Actor.objects.get_or_create(user=user, defaults={"type": Actor.Type.USER, "login": user.username})
        user.__dict__["_kizuna_actor"] = cached
    return cached


def actor_for_agent(agent) -> Actor:
    """The agent's Actor; its operator's (`operator_actor_of`, which every agent's event names too) comes
    in the same query and is kept on it, so an agent's write pays one actor look-up, not three."""
    cached = agent.__dict__.get("_kizuna_actor")
    if cached is not None:
        return cached
    joined = _joined_actors(agent)
    if joined is not None:
        cached, operator = joined
        if operator is not None:
            cached.__dict__["_kizuna_operator_actor"] = operator
        agent.__dict__["_kizuna_actor"] = cached
        return cached
    values = {"agent": agent.pk, "operator": agent.operator_id}

    def build():  # every agent write asks (a job claim, each log upload's event): compiled once
        # The agent's key is a UUID: bound as one (a CharField would bind it with dashes, which SQLite's hex misses).
        wanted = Q(agent_id=Param("agent", agent.pk, Actor._meta.get_field("agent").target_field))
        if agent.operator_id is not None:
            wanted |= Q(user_id=Param("operator", agent.operator_id))
        return Actor.objects.filter(wanted)

    rows = statement(("accounts.actors_of_agent", agent.operator_id is not None), build, values).instances(values)
    cached = next((a for a in rows if a.agent_id == agent.pk), None)
    if cached is None:
        cached, _ = Actor.objects.get_or_create(agent=agent, defaults={"type": Actor.Type.AGENT, "login": agent.name})
    operator = next((a for a in rows if agent.operator_id is not None and a.user_id == agent.operator_id), None)
    if operator is not None:
        cached.__dict__["_kizuna_operator_actor"] = operator
    agent.__dict__["_kizuna_actor"] = cached
    return cached


def _joined_actors(agent) -> tuple[Actor, Actor | None] | None:
    """(the agent's actor, its operator's) when the agent was loaded with both rows joined — the agent
    token look-up joins them (kizuna.api.authentication), so an agent's write pays no query for its
    actors; None otherwise (the caller looks them up)."""
    actor = _joined_actor(agent)
    if actor is None or agent.operator_id is None:
        return None if actor is None else (actor, None)
    if not type(agent).operator.is_cached(agent):
        return None
    operator = _joined_actor(agent.operator)
    return None if operator is None else (actor, operator)


def _joined_actor(owner) -> Actor | None:
    """The Actor row `select_related` joined onto a user or an agent; None when it was not joined (no
    query is made to find out) or there is no row yet."""
    descriptor = type(owner).actor
    if not descriptor.is_cached(owner):
        return None
    try:
        return owner.actor
    except descriptor.RelatedObjectDoesNotExist:
        return None


def actor_for(principal) -> Actor:
    """The Actor row for whoever is calling (user, agent or deploy token)."""
    kind = principal_kind(principal)
    if kind == "user":
        return actor_for_user(principal)
    if kind == "agent":
        return actor_for_agent(principal)
    if kind == "deploy":
        token = principal.token
        actor, _ = Actor.objects.get_or_create(
            deploy_token=token, defaults={"type": Actor.Type.DEPLOY, "login": f"deploy-{token.pk}"}
        )
        return actor
    raise ValueError("anonymous callers have no actor")


def operator_actor_of(actor: Actor) -> Actor | None:
    if actor.type != Actor.Type.AGENT:
        return None
    from agents.models import Agent

    cached = actor.__dict__.get("_kizuna_operator_actor")
    if cached is None:
        operator = Agent.objects.select_related("operator").get(pk=actor.agent_id).operator
        cached = actor.__dict__["_kizuna_operator_actor"] = actor_for_user(operator)
    return cached
