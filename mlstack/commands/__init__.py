"""One module per `mlstack` subcommand: its logic and its click command."""
