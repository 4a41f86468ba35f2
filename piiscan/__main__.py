"""``python -m piiscan``: the command line, exactly as the ``piiscan`` script runs it
(same commands, same exit codes)."""

from piiscan.cli import main

if __name__ == "__main__":  # not when a --jobs worker re-imports the main module
    main()
