"""The core: no Qt. ``wiring.build_core`` makes it; docs/architecture.md says who owns what."""
