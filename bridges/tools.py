"""What a platform bridge is built with: the shared lookups it needs to translate and to find
its earlier messages (never the hub itself; what it takes in goes to the `InboundSink`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bridges.identities import IdentityMap
from bridges.links import LinkTable
from bridges.message_map import MessageMap
from bridges.protocol import Bridge


@dataclass(frozen=True, slots=True)
class BridgeTools:
    links: LinkTable
    identities: IdentityMap
    message_map: MessageMap
    public_url: str  # the hub's address as users reach it: links back, avatar URLs


BridgeFactory = Callable[[BridgeTools], Bridge]
