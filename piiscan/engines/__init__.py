"""Distributed engines: the same detectors and verdicts run where the data is.

:mod:`piiscan.engines.spark` scans Parquet tables and DataFrames on Apache Spark
(install ``piiscan-inventory[spark]``). Importing this package never imports an engine's framework.
"""
