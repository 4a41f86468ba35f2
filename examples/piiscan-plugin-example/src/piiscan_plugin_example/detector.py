"""ACME employee ids (``EMP-123456``): a detector that declares the entity type it emits.

Options (``[piiscan.plugins.employee_ids]`` in ``piiscan.toml``): ``prefix`` (default
``EMP``) and ``score`` (default 0.9).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from piiscan.config import Config
from piiscan.errors import ConfigError
from piiscan.model import Span
from piiscan.plugins import Detector, EntitySpec

EMPLOYEE_ID = "EMPLOYEE_ID"


class EmployeeIdDetector(Detector):
    name = "employee_ids"
    description = "ACME employee ids (EMP-123456)"
    #: Reported without a policy file: identifiers and professional data, medium level.
    entity_types = {
        EMPLOYEE_ID: EntitySpec(categories=("identifiers", "professional"), level="medium")
    }

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        prefix = self.options.get("prefix", "EMP")
        score = self.options.get("score", 0.9)
        if not isinstance(prefix, str) or not prefix.isalnum():
            raise ConfigError("employee_ids: prefix must be letters and digits")
        if not isinstance(score, int | float) or not 0 < score <= 1:
            raise ConfigError("employee_ids: score must be a number in (0, 1]")
        self.prefix = prefix
        self.score = float(score)
        self.pattern = re.compile(rf"(?<![\w-]){re.escape(prefix)}-\d{{6}}(?![\w-])")

    def analyze(
        self,
        texts: Sequence[str],
        *,
        field: str | None = None,
        entities: Collection[str] | None = None,
    ) -> list[list[Span]]:
        if entities is not None and EMPLOYEE_ID not in entities:
            return [[] for _ in texts]
        return [
            [
                Span(EMPLOYEE_ID, m.start(), m.end(), self.score, self.name)
                for m in self.pattern.finditer(text)
            ]
            for text in texts
        ]

    def describe(self) -> str:
        return f"{self.name} ({self.prefix}-NNNNNN)"
