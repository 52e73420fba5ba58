"""Sub-commands of `ceasefire`, one module each (see `sim.cli`)."""
