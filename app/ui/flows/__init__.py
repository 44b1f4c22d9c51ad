"""The tray's user flows, one file each: what happens between a click and the facade call.

Every flow gets the same small :class:`~app.ui.flows.context.FlowContext` (the facade, the
command runner, the dialog registry, the message line, the clock and the latest snapshot) and
owns only its own state; none of them reaches into another.

A flow imports its dialog where it opens it, not at the top: the dialogs' modules and the Qt
classes they use cost RSS and start-up time, and a tray that is only looked at never opens them
(``bench/ui_bench.py`` measures the memory against the dependency floor).
"""
