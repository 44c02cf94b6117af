"""The command line: the typer app and its root group (app.py), the commands by group (writes,
queries, integrity, month end, terminal), the options they share, and shell completion."""
