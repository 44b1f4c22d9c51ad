"""The tray's user flows, one file each: what happens between a click and the facade call.

Every flow gets the same small :class:`~app.ui.flows.context.FlowContext` (the facade, the
command runner, the dialog registry, the message line, the clock and the latest snapshot) and
owns only its own state; none of them reaches into another.
"""
