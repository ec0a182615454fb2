"""The plan's coverage indicators beside the satisfaction index (issue 16): the registry
(:mod:`.indicators`), the administrative counts (:mod:`.counts`) and the report table
(:mod:`.report`)."""
from .counts import StoreSummary, import_coverage_csv, read_coverage_csv, store_rows
from .indicators import INDICATORS, Indicator, configured_targets
from .report import CoverageVerdict, coverage_report, coverage_trend

__all__ = ["INDICATORS", "CoverageVerdict", "Indicator", "StoreSummary", "configured_targets",
           "coverage_report", "coverage_trend", "import_coverage_csv", "read_coverage_csv",
           "store_rows"]
