"""Pre-merge gate: scan what a git change adds, with baselines, allow comments and CI outputs."""
