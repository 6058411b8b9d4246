"""The two WebSocket endpoints. See docs/protocol.md for the frames they speak."""

from realtime.agent_consumer import AgentConsumer
from realtime.visitor_consumer import VisitorConsumer

__all__ = ["AgentConsumer", "VisitorConsumer"]
