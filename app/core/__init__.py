"""The core: no Qt. The Tracker owns timer, attendance and sync state; the Syncer does the I/O."""
