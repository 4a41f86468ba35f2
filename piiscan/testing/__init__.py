"""The conformance kit for plugin authors: pytest mixins checking a plugin's contract.

Subclass one in your plugin's tests (pytest collects ``Test*`` classes)::

    from piiscan.testing import DetectorContract

    class TestEmployeeIds(DetectorContract):
        detector_class = EmployeeIdDetector
        examples = [("staff EMP-123456", "EMPLOYEE_ID")]

:class:`ConnectorContract` (Arrow batches within ``sample_rows``, an unreadable asset an
error and not a crash, no password shown), :class:`DetectorContract` (one span list per
text, spans inside the text, declared types, no exception on :func:`hostile_texts`),
:class:`ReporterContract` (no raw value of a real scan of :class:`Canaries` in the
output). piiscan's built-in plugins are tested with the same mixins. Needs pytest.
"""

from __future__ import annotations

from piiscan.testing.canaries import Canaries, leaks
from piiscan.testing.connector import ConnectorContract
from piiscan.testing.detector import DetectorContract
from piiscan.testing.hostile_text import hostile_texts
from piiscan.testing.reporter import ReporterContract

__all__ = [
    "Canaries",
    "ConnectorContract",
    "DetectorContract",
    "ReporterContract",
    "hostile_texts",
    "leaks",
]
