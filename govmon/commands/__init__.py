"""Command groups of the govmon CLI, one module each (see govmon.cli.COMMAND_MODULES)."""
