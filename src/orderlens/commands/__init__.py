"""The CLI's subcommands, one module each; every module exposes a click ``command``."""
