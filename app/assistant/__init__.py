"""``timetray mcp``: time tools for an AI assistant on this computer (Model Context Protocol).

Only :mod:`app.assistant.entry` is reached from the command line, and only it and
:mod:`app.assistant.server` import the MCP SDK, so the tray and the other commands never load
it. Everything here talks to the core through :class:`app.core.facade.CoreFacade` alone.
"""
