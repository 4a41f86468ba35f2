"""The version of piiscan (a leaf module: whatever reports it imports no scanner)."""

__version__ = "0.1.0"
