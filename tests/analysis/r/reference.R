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
# Usage: Rscript --vanilla reference.R input.csv [output.csv|-] [items.csv|-] [designs]
#
# Input: one CSV, one row per response, columns
#     dataset  any label; every data set is computed on its own
#     stratum  the unit (stratum) of the response
#     psu      its primary sampling unit (counter x day), unique across strata
#     N        claimants served in the stratum (N_h); needed by the "fpc" design only
#     w        the response's weight (N_h / n_h, or whatever the caller's design says)
#     <items>  answers 1-5, blank = not applicable, one column per item code
# Items and dimensions (third argument; "-" or none = the default a1 ... c2 of DIMENSIONS
# below): a CSV with columns `dimension,item` and optionally `dataset`. With `dataset`,
# each data set has its own list (every data set of the input needs one); without it,
# one list for all. An item with a blank dimension is reported on its own but enters no
# dimension. An item nobody answered in a data set is left out of it (no output row for
# it; its dimension keeps its other items, a dimension with no item left is left out,
# and without any dimension there is no composite).
# Designs (fourth argument): comma-separated, default "clustered,fpc,unweighted".
#
# Output: one CSV (stdout if no second argument or "-"), one row per data set x design x
# quantity (composite, each dimension, each item) with
#     estimate, se     svytotal of the satisfied (y_j: answer 4-5) and answered (r_j:
#                      answer 1-5) indicators + svycontrast of the ratios, composite =
#                      mean of the dimensions = mean of their items' ratios (§3)
#     low, high        logit(p) +- qt(0.975, degf(d)) * se / (p (1 - p)), back-transformed
#                      (blank where undefined: p = 0 or 1 with se = 0); a variance
#                      that rounding made negative counts as 0
#     df               degf(d)
#     se_element, deff (design "clustered" only) the SE with the same strata and weights
#                      but each response its own PSU (ids = ~1), and (se / se_element)^2
#                      (blank when se_element is 0)
#                      A data set with a single PSU (svydesign refuses it): the point
#                      estimates (from ids = ~1), df 0, everything else blank.
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

DEFAULT_DIMENSIONS <- list(A = c("a1", "a2"), B = c("b1", "b2", "b3"), C = c("c1", "c2"))
DESIGNS <- c("clustered", "fpc", "unweighted")
LEVEL <- 0.95

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) {
  stop("usage: Rscript reference.R input.csv [output.csv|-] [items.csv|-] [designs]")
}
message(R.version.string, "; survey ", as.character(packageVersion("survey")))
given <- function(i) length(args) >= i && nzchar(args[i]) && args[i] != "-"

responses <- read.csv(args[1], colClasses = c(dataset = "character", stratum = "character",
                                              psu = "character"))
datasets <- unique(responses$dataset)

designs <- if (given(4)) strsplit(args[4], ",", fixed = TRUE)[[1]] else DESIGNS
if (!length(designs) || !all(designs %in% DESIGNS)) {
  stop("designs must be among ", paste(DESIGNS, collapse = ", "), ": ", args[4])
}

# spec: data set -> list(dimensions = dimension -> item codes, items = every item code).
spec_of <- function(dimension, item) {
  dims <- split(item[nzchar(dimension)], factor(dimension[nzchar(dimension)],
                                                levels = unique(dimension[nzchar(dimension)])))
  list(dimensions = lapply(dims, unique), items = unique(item))
}
if (given(3)) {
  listed <- read.csv(args[3], colClasses = "character", na.strings = character(0))
  if (!all(c("dimension", "item") %in% names(listed))) {
    stop(args[3], " needs the columns dimension,item (and optionally dataset)")
  }
  if ("dataset" %in% names(listed)) {
    missing <- setdiff(datasets, listed$dataset)
    if (length(missing)) stop("no items listed for data set(s) ", paste(missing, collapse = ", "))
    SPECS <- lapply(setNames(datasets, datasets), function(name) {
      part <- listed[listed$dataset == name, ]
      spec_of(part$dimension, part$item)
    })
  } else {
    SPECS <- lapply(setNames(datasets, datasets),
                    function(name) spec_of(listed$dimension, listed$item))
  }
} else {
  default <- list(dimensions = DEFAULT_DIMENSIONS,
                  items = unlist(DEFAULT_DIMENSIONS, use.names = FALSE))
  SPECS <- lapply(setNames(datasets, datasets), function(name) default)
}

ALL_ITEMS <- unique(unlist(lapply(SPECS, `[[`, "items"), use.names = FALSE))
absent <- setdiff(ALL_ITEMS, names(responses))
if (length(absent)) stop("items without a column in ", args[1], ": ", paste(absent, collapse = ", "))
if ("fpc" %in% designs && !"N" %in% names(responses)) stop("the fpc design needs the column N")
for (j in ALL_ITEMS) {
  answered <- !is.na(responses[[j]])
  responses[[paste0("y_", j)]] <- as.numeric(answered & responses[[j]] >= 4)
  responses[[paste0("r_", j)]] <- as.numeric(answered)
}

# The contrasts: each item y_j / r_j, each dimension the mean of its items' ratios,
# the composite the mean of the dimensions.
ratio <- function(j) call("/", as.name(paste0("y_", j)), as.name(paste0("r_", j)))
mean_of <- function(terms) call("/", call("(", Reduce(function(a, b) call("+", a, b), terms)),
                                length(terms))

# What one data set estimates: its answered items, their dimensions, the contrasts.
plan_of <- function(spec, data) {
  items <- Filter(function(j) sum(data[[paste0("r_", j)]]) > 0, spec$items)
  dimensions <- Filter(length, lapply(spec$dimensions, function(codes) intersect(codes, items)))
  dimension_expr <- lapply(dimensions, function(codes) mean_of(lapply(codes, ratio)))
  composite <- if (length(dimension_expr)) list(composite = mean_of(unname(dimension_expr)))
  list(items = items,
       indicators = as.formula(paste("~", paste(c(paste0("y_", items), paste0("r_", items)),
                                                collapse = " + "))),
       contrasts = c(composite, dimension_expr, setNames(lapply(items, ratio), items)))
}

estimates <- function(design, plan) {
  con <- svycontrast(svytotal(plan$indicators, design), plan$contrasts)
  p <- coef(con)
  # A variance that rounding made slightly negative (e.g. identical PSU totals) is 0,
  # not NaN.
  se <- sqrt(pmax(diag(as.matrix(vcov(con))), 0))
  df <- degf(design)
  half <- qt(1 - (1 - LEVEL) / 2, df) * se / (p * (1 - p))
  data.frame(quantity = names(plan$contrasts), estimate = unname(p), se = unname(se),
             low = plogis(qlogis(p) - half), high = plogis(qlogis(p) + half), df = df,
             row.names = NULL)
}

item_ratios <- function(design, plan, out) {
  out$ratio_estimate <- NA_real_
  out$ratio_se <- NA_real_
  for (j in plan$items) {
    r <- svyratio(as.formula(paste0("~y_", j)), as.formula(paste0("~r_", j)), design)
    out$ratio_estimate[out$quantity == j] <- coef(r)
    out$ratio_se[out$quantity == j] <- SE(r)
  }
  out
}

results <- list()
for (name in datasets) {
  data <- responses[responses$dataset == name, ]
  plan <- plan_of(SPECS[[name]], data)
  if (!length(plan$items)) next  # nobody answered anything: nothing to estimate
  parts <- list()

  if ("clustered" %in% designs) {
    # Stratified cluster design (§2b, §4.4): no FPC, lonely PSU "adjust".
    options(survey.lonely.psu = "adjust")
    element <- estimates(svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = data),
                         plan)
    if (length(unique(data$psu)) > 1) {
      d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data)
      clustered <- item_ratios(d, plan, estimates(d, plan))
      clustered$se_element <- element$se
      clustered$deff <- ifelse(element$se > 0, (clustered$se / element$se)^2, NA_real_)
    } else {
      # svydesign refuses a design with a single PSU: the point estimates only, df 0.
      clustered <- element[c("quantity", "estimate")]
      clustered[c("se", "low", "high", "se_element", "deff")] <- NA_real_
      clustered$df <- 0
    }
    clustered$design <- "clustered"
    parts$clustered <- clustered
  }

  if ("fpc" %in% designs) {
    # Element design with FPC (§2, composite_index with served counts): lonely "certainty".
    options(survey.lonely.psu = "certainty")
    d <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N, data = data)
    fpc <- item_ratios(d, plan, estimates(d, plan))
    fpc$design <- "fpc"
    parts$fpc <- fpc
  }

  if ("unweighted" %in% designs) {
    # Unweighted (§2: one stratum, no FPC, df = n - 1); "No weights" warning expected.
    d <- suppressWarnings(svydesign(ids = ~1, data = data))
    unweighted <- item_ratios(d, plan, estimates(d, plan))
    unweighted$design <- "unweighted"
    parts$unweighted <- unweighted
  }

  for (part in parts) {
    part$dataset <- name
    results[[length(results) + 1]] <- part
  }
}

columns <- c("dataset", "design", "quantity", "estimate", "se", "low", "high", "df",
             "se_element", "deff", "ratio_estimate", "ratio_se")
table <- do.call(rbind, c(list(data.frame(matrix(nrow = 0, ncol = length(columns),
                                                 dimnames = list(NULL, columns)))),
                          lapply(results, function(part) {
  for (column in setdiff(columns, names(part))) part[[column]] <- NA_real_
  part[columns]
})))
for (column in columns[-(1:3)]) {
  table[[column]] <- ifelse(is.na(table[[column]]), "", sprintf("%.17g", table[[column]]))
}
write.csv(table, if (given(2)) args[2] else stdout(), row.names = FALSE)
