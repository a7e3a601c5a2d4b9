"""TaskFlow Hub: the real-time communication layer of a kanban tool."""

__version__ = "0.1.0"
