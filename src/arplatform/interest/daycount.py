"""Day-count conventions: how many days make the year that an annual rate is divided by."""

from __future__ import annotations

import calendar
from datetime import date
from enum import StrEnum


class DayCount(StrEnum):
    """``act_365`` (ACT/365 fixed) is the default; ACT/360 appears in some contracts."""

    ACT_365 = "act_365"
    ACT_360 = "act_360"
    ACT_ACT_ISDA = "act_act_isda"

    @property
    def label(self) -> str:
        return {
            DayCount.ACT_365: "ACT/365",
            DayCount.ACT_360: "ACT/360",
            DayCount.ACT_ACT_ISDA: "ACT/ACT ISDA",
        }[self]

    def year_days(self, day: date) -> int:
        """The divisor for one day of interest accrued on ``day``."""
        if self is DayCount.ACT_360:
            return 360
        if self is DayCount.ACT_ACT_ISDA and calendar.isleap(day.year):
            return 366
        return 365

    def boundaries(self, first: date, last: date) -> list[date]:
        """Days in ``(first, last]`` where the divisor may change (1 January under ACT/ACT)."""
        if self is not DayCount.ACT_ACT_ISDA:
            return []
        return [date(year, 1, 1) for year in range(first.year + 1, last.year + 1)]
