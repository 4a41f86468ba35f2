"""The one-process scanner, split by job.

* :mod:`~piiscan.scanning.scanner` — :class:`Scanner`: sources → connectors → assets
  (``piiscan.Scanner``; ``piiscan.scan`` is :func:`piiscan.api.scan` over it);
* :mod:`~piiscan.scanning.structured`, :mod:`~piiscan.scanning.text` — one table asset,
  one text asset;
* :mod:`~piiscan.scanning.column` — :class:`ColumnAnalyzer`: one column's values to spans
  (the scanner, the ``--jobs`` workers and the Spark executors all use it);
* :mod:`~piiscan.scanning.detect` — the detectors over a list of texts;
* :mod:`~piiscan.scanning.workers` — the ``--jobs N`` process pool;
* :mod:`~piiscan.scanning.resume` — the ``--state`` file: unchanged and resumed assets;
* :mod:`~piiscan.scanning.sources` — a source as outputs show it (its connector's way);
* :mod:`~piiscan.scanning.events` — progress events;
* :mod:`~piiscan.scanning.failures` — the error barriers' recorded reasons;
* :mod:`~piiscan.scanning.context` — what reading one asset needs of its scanner;
* :mod:`~piiscan.scanning.summary` — the :class:`~piiscan.model.Inventory` of a scan.

The package is not called ``scan``: ``piiscan.scan`` is the public function, and a
subpackage of that name would replace it as soon as one of its modules is imported.
This ``__init__`` imports nothing, so a worker process loads only what it uses.
"""
