"""Reading the index: periods, served counts, strata, aggregates and report tables."""
