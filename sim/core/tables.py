"""Tidy tables: named numpy columns of equal length (one row per record)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class Table:
    """Named 1-d numpy columns of one length; ``table["col"]`` is a column, ``len`` the rows."""

    def __init__(self, columns: dict[str, np.ndarray]):
        self.data = {name: np.asarray(values) for name, values in columns.items()}
        lengths = {len(v) for v in self.data.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns differ in length: {sorted(lengths)}")

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    def __len__(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0

    def __repr__(self) -> str:
        return f"Table({len(self)} rows: {', '.join(self.columns)})"

    @property
    def columns(self) -> list[str]:
        """Column names in order."""
        return list(self.data)

    def to_pandas(self) -> pd.DataFrame:
        """A pandas DataFrame with the same columns, in order (pandas is a dependency)."""
        import pandas as pd

        return pd.DataFrame(self.data, columns=self.columns)
