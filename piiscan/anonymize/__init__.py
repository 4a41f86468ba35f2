"""De-identified copies of databases and file trees (``piiscan anonymize``)."""
