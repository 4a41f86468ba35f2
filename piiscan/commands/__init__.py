"""Click commands kept out of ``piiscan.cli``; the CLI group adds them with ``add_command``."""
