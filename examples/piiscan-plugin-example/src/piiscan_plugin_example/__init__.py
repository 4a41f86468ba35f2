"""An example third-party piiscan plugin package.

* :class:`~piiscan_plugin_example.detector.EmployeeIdDetector` finds ACME employee ids
  (``EMP-123456``) and declares their entity type, ``EMPLOYEE_ID``, with its categories
  and level, so no policy file is needed to report them.
* :class:`~piiscan_plugin_example.roster.RosterFormat` reads ``.roster`` files (a
  ``piiscan.formats`` plugin: the files connector asks it for that suffix).
* :class:`~piiscan_plugin_example.connector.RosterConnector` serves ``roster://`` sources.

Its tests use piiscan's conformance kit, :mod:`piiscan.testing`.
"""
