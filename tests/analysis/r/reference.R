# R `survey` reference figures for the satisfaction index (statistics.md §2, §2b, §3, §4.4).
#
# Run by hand, from the repository root:
#
#     python -m tests.analysis.test_against_r --write /tmp/datasets.csv   # the random data sets
#     Rscript --vanilla tests/analysis/r/reference.R /tmp/datasets.csv /tmp/r_results.csv
#
# (or `python -m tests.analysis.test_against_r` to do both and print the largest
# differences from survey.analysis). Needs R and the survey package
# (Debian: r-base-core r-cran-survey; `make system-deps` installs them).
#
# Input: one CSV, one row per response, columns
#     dataset  any label; every data set is computed on its own
#     stratum  the unit (stratum) of the response
#     psu      its primary sampling unit (counter x day), unique across strata
#     N        claimants served in the stratum (N_h)
#     w        the response's weight N_h / n_h
#     a1 ... c2  answers 1-5, blank = not applicable (the items of DIMENSIONS below)
# Every item must have been answered by someone in every data set.
#
# Output: one CSV (stdout if no second argument), one row per data set x design x
# quantity (composite, each dimension, each item) with
#     estimate, se     svytotal of the satisfied (y_j: answer 4-5) and answered (r_j:
#                      answer 1-5) indicators + svycontrast of the ratios, composite =
#                      mean of the dimensions = mean of their items' ratios (§3)
#     low, high        logit(p) +- qt(0.975, degf(d)) * se / (p (1 - p)), back-transformed
#     df               degf(d)
#     se_element, deff (design "clustered" only) the SE with the same strata and weights
#                      but each response its own PSU (ids = ~1), and (se / se_element)^2
#     ratio_estimate, ratio_se  (items only) the same share from svyratio(~y_j, ~r_j)
# Designs:
#     clustered   svydesign(ids = ~psu, strata = ~stratum, weights = ~w), no FPC,
#                 options(survey.lonely.psu = "adjust") for it AND for its element
#                 design (a stratum with a single response is then a lonely PSU too)
#     fpc         svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N),
#                 options(survey.lonely.psu = "certainty") (a stratum with a single
#                 response contributes 0, as composite_index does)
#     unweighted  svydesign(ids = ~1, data = ...): one stratum, weights 1, no FPC
# The first line on stderr names the R and survey versions.

suppressPackageStartupMessages(library(survey))

DIMENSIONS <- list(A = c("a1", "a2"), B = c("b1", "b2", "b3"), C = c("c1", "c2"))
ITEMS <- unlist(DIMENSIONS, use.names = FALSE)
LEVEL <- 0.95

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript reference.R input.csv [output.csv]")
message(R.version.string, "; survey ", as.character(packageVersion("survey")))

responses <- read.csv(args[1], colClasses = c(dataset = "character", stratum = "character",
                                              psu = "character"))
for (j in ITEMS) {
  answered <- !is.na(responses[[j]])
  responses[[paste0("y_", j)]] <- as.numeric(answered & responses[[j]] >= 4)
  responses[[paste0("r_", j)]] <- as.numeric(answered)
}
indicators <- as.formula(paste("~", paste(c(paste0("y_", ITEMS), paste0("r_", ITEMS)),
                                          collapse = " + ")))

# The contrasts: each item y_j / r_j, each dimension the mean of its items' ratios,
# the composite the mean of the dimensions.
ratio <- function(j) call("/", as.name(paste0("y_", j)), as.name(paste0("r_", j)))
mean_of <- function(terms) call("/", call("(", Reduce(function(a, b) call("+", a, b), terms)),
                                length(terms))
dimension_expr <- lapply(DIMENSIONS, function(codes) mean_of(lapply(codes, ratio)))
CONTRASTS <- c(list(composite = mean_of(unname(dimension_expr))), dimension_expr,
               setNames(lapply(ITEMS, ratio), ITEMS))

estimates <- function(design) {
  con <- svycontrast(svytotal(indicators, design), CONTRASTS)
  p <- coef(con)
  se <- SE(con)
  df <- degf(design)
  half <- qt(1 - (1 - LEVEL) / 2, df) * se / (p * (1 - p))
  data.frame(quantity = names(CONTRASTS), estimate = unname(p), se = unname(se),
             low = plogis(qlogis(p) - half), high = plogis(qlogis(p) + half), df = df,
             row.names = NULL)
}

item_ratios <- function(design, out) {
  out$ratio_estimate <- NA_real_
  out$ratio_se <- NA_real_
  for (j in ITEMS) {
    r <- svyratio(as.formula(paste0("~y_", j)), as.formula(paste0("~r_", j)), design)
    out$ratio_estimate[out$quantity == j] <- coef(r)
    out$ratio_se[out$quantity == j] <- SE(r)
  }
  out
}

results <- list()
for (name in unique(responses$dataset)) {
  data <- responses[responses$dataset == name, ]

  # Stratified cluster design (§2b, §4.4): no FPC, lonely PSU "adjust".
  options(survey.lonely.psu = "adjust")
  d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data)
  clustered <- item_ratios(d, estimates(d))
  element <- estimates(svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = data))
  clustered$se_element <- element$se
  clustered$deff <- (clustered$se / element$se)^2
  clustered$design <- "clustered"

  # Element design with FPC (§2, composite_index with served counts): lonely "certainty".
  options(survey.lonely.psu = "certainty")
  d <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N, data = data)
  fpc <- item_ratios(d, estimates(d))
  fpc$design <- "fpc"

  # Unweighted (§2: one stratum, no FPC, df = n - 1); "No weights" warning expected.
  d <- suppressWarnings(svydesign(ids = ~1, data = data))
  unweighted <- item_ratios(d, estimates(d))
  unweighted$design <- "unweighted"

  for (part in list(clustered, fpc, unweighted)) {
    part$dataset <- name
    results[[length(results) + 1]] <- part
  }
}

columns <- c("dataset", "design", "quantity", "estimate", "se", "low", "high", "df",
             "se_element", "deff", "ratio_estimate", "ratio_se")
table <- do.call(rbind, lapply(results, function(part) {
  for (column in setdiff(columns, names(part))) part[[column]] <- NA_real_
  part[columns]
}))
for (column in columns[-(1:3)]) {
  table[[column]] <- ifelse(is.na(table[[column]]), "", sprintf("%.17g", table[[column]]))
}
write.csv(table, if (length(args) > 1) args[2] else stdout(), row.names = FALSE)
