"""What a person may do with an object now: the services decide, the templates render what they are told.

Each domain's services list the actions of its state machine for an object, allowed or not, with the reason
for each refusal; the same list guards the service functions, so a page never offers what the service would
refuse, and a forged request for an action that was not offered is refused with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import NotAllowed


@dataclass(frozen=True)
class Action:
    """One action on one object: its name, its label, whether it is open now, and why not."""

    name: str
    label: str
    allowed: bool
    reason: str = ""
    # Destructive actions ask for confirmation and offer a message to the person concerned.
    destructive: bool = False


def allowed(actions: list[Action]) -> list[Action]:
    """Only the actions that are open now."""
    return [action for action in actions if action.allowed]


def require(actions: list[Action], name: str) -> Action:
    """The action ``name`` if it is open now; else NotAllowed with the reason the service gave."""
    for action in actions:
        if action.name == name:
            if not action.allowed:
                raise NotAllowed(action.reason, code=f"{name}_not_allowed")
            return action
    raise NotAllowed(f"Unknown action: {name}.", code="unknown_action")
