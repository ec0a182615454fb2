"""Declared shapes of the API: request bodies and query strings (validated with pydantic)
and the answers (documented in the OpenAPI description and checked by its tests).

Descriptions are English msgids marked with ``N_``; the OpenAPI description and the docs
page translate them when they are served.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Mapping, Optional, TypeVar

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import (BaseModel, ConfigDict, Field, RootModel, StringConstraints,
                      ValidationError, ValidationInfo, WithJsonSchema, field_validator,
                      model_validator)
from pydantic_core import PydanticCustomError

from ..services import catalogue
from ..services.errors import ServiceError
from ..services.intake.receipts import MAX_COUNT
from ..services.reporting.index import BREAKDOWNS
from ..services.reporting.periods import parse_period
from ..services.reporting.trend import KINDS, MAX_PERIODS, check_every
from .errors import PROBLEM_TYPES, ApiProblem, field_error, validation_fields


def N_(text: str) -> str:
    """Mark ``text`` for extraction; it is translated where it is shown."""
    return text


def described(text: str, *, strict: bool = False,
              extra: Optional[Literal["ignore", "forbid"]] = None) -> ConfigDict:
    """Model settings whose JSON-schema description is the msgid ``text``."""
    config = ConfigDict(json_schema_extra={"description": text}, strict=strict)
    if extra is not None:  # (root models take no setting for extra fields)
        config["extra"] = extra
    return config


def api_error(code: str, message: Any) -> PydanticCustomError:
    """A validation error with our own machine code and an already translated message."""
    return PydanticCustomError(f"api_{code}", "{message}", {"message": str(message)})


def _session(info: ValidationInfo):
    """The database session passed as validation context, if any (none for OpenAPI)."""
    return (info.context or {}).get("session")


Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


# --- requests --------------------------------------------------------------------------------

class RequestSchema(BaseModel):
    """Base of request schemas: ``field_messages`` replaces the generic message of every
    built-in error of a field with a more helpful one."""

    field_messages: ClassVar[Mapping[str, Any]] = {}


def _period_code(value: str) -> str:
    """A period as the index reads it (``2026-Q3``), or the API's invalid_period error."""
    try:
        return parse_period(value).code
    except ServiceError as exc:
        raise api_error("invalid_period", exc.message) from None


class UnitQuery(RequestSchema):
    """A query string about a unit's subtree (GET /index, GET /trend): a blank value is
    absent, and the ``unit`` each declares must exist."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        """``?target=`` means no target (the default), as an HTML form would send it."""
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value != ""}
        return data

    @field_validator("unit", check_fields=False)
    @classmethod
    def _known_unit(cls, value: str, info: ValidationInfo) -> str:
        session = _session(info)
        if session is not None and catalogue.unit_by_code(
                session, value, active_only=False) is None:
            raise api_error("unknown_unit", _("Unknown unit code %(code)s.", code=repr(value)))
        return value.upper()


class IndexParameters(UnitQuery):
    model_config = described(N_("Query string of GET /index."), extra="ignore")
    field_messages: ClassVar[Mapping[str, Any]] = {
        "target": _l("The target must be a share between 0 and 1, such as 0.9.")}

    period: str = Field(
        max_length=20, examples=["2026-Q3"],
        description=N_("Reporting period: a month (2026-09), a quarter (2026-Q3) or a year "
                       "(2026)."))
    unit: Code = Field(examples=["NA"], description=N_(
        "Unit code; the index covers this unit and every unit below it."))
    by: Literal[BREAKDOWNS] = Field(  # type: ignore[valid-type]
        "unit", description=N_("Breakdown of the rows."))
    target: Optional[float] = Field(
        None, gt=0, lt=1, allow_inf_nan=False, examples=[0.9], description=N_(
            "Target share for the verdicts; by default the government target in force in "
            "the period's year."))
    depth: int = Field(1, ge=1, le=6, description=N_(
        "With by=unit: levels of units below the scope (2: offices and their counters)."))
    fdr: Optional[bool] = Field(None, description=N_(
        "Adjust the rows' verdicts for multiple comparisons (Benjamini–Hochberg false "
        "discovery rate); by default on when the rows are units, off otherwise."))
    verified: bool = Field(False, description=N_(
        "Count only verified responses: those given with a receipt code or on a kiosk "
        "(phone responses by QR code left out)."))

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str) -> str:
        return _period_code(value)


class ReceiptRequest(RequestSchema):
    model_config = described(N_("What to issue receipt codes for."), strict=True,
                             extra="ignore")
    field_messages: ClassVar[Mapping[str, Any]] = {
        "count": _l("The number of codes must be 1–%(max)s.", max=MAX_COUNT)}

    unit: Code = Field(examples=["NA-VINH-Q1"], description=N_(
        "Code of the unit (counter, branch or centre) where the claimant was served."))
    service: Code = Field(examples=["ui_apply"], description=N_(
        "Code of the service the claimant received."))
    count: int = Field(1, ge=1, le=MAX_COUNT, examples=[2], description=N_(
        "How many codes to issue."))

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str, info: ValidationInfo) -> str:
        session = _session(info)
        if session is not None and catalogue.unit_by_code(session, value) is None:
            raise api_error("unknown_unit", _("Unknown or inactive unit %(code)s.",
                                              code=repr(value)))
        return value.upper()

    @field_validator("service")
    @classmethod
    def _known_service(cls, value: str, info: ValidationInfo) -> str:
        session = _session(info)
        if session is not None and catalogue.service_by_code(session, value) is None:
            raise api_error("unknown_service", _("Unknown or inactive service %(code)s.",
                                                 code=repr(value)))
        return value


class PairRequest(RequestSchema):
    model_config = described(N_("A pairing code to exchange for a device token."),
                             strict=True, extra="ignore")
    field_messages: ClassVar[Mapping[str, Any]] = {"code": _l("Enter the pairing code.")}

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=32)] = Field(
        examples=["12345 67890"], description=N_(
            "The one-time pairing code printed by “flask survey kiosk add” (spaces and "
            "dashes are ignored)."))


class KioskResponseItem(BaseModel):
    """Documentation only: the service checks items one by one (see ``KioskBatch``)."""

    model_config = described(N_(
        "One kiosk response. Items are checked one by one: a bad item is listed in "
        "“rejected” with its error codes and does not stop the others."), extra="forbid")

    id: str = Field(json_schema_extra={"format": "uuid"}, description=N_(
        "UUID made by the kiosk; sending it again is harmless."))
    questionnaire_version: int = Field(ge=1, description=N_(
        "Version of the questionnaire that was shown."))
    service: Optional[str] = Field(description=N_(
        "Service code; null only for a partial response."))
    submitted_at: str = Field(json_schema_extra={"format": "date-time"}, description=N_(
        "When the claimant finished, by the kiosk's clock, with its UTC offset."))
    locale: Literal["vi", "en"] = Field(description=N_("Language the claimant used."))
    answers: dict[str, Optional[Annotated[int, Field(ge=1, le=5)]]] = Field(
        min_length=1, description=N_(
            "Item code → the value for the item's kind, or null for “not applicable” or "
            "“I do not remember”. Items not asked are left out; under matrix sampling a "
            "second item of one dimension is refused as not_asked."))
    reasons: list[str] = Field([], description=N_("Codes of the reasons ticked."))
    partial: bool = Field(False, description=N_(
        "Whether the kiosk submitted it after the claimant walked away."))


class KioskBatch(RequestSchema):
    model_config = described(N_("A batch of kiosk responses (may be empty: “still here”)."),
                             strict=True, extra="ignore")
    field_messages: ClassVar[Mapping[str, Any]] = {
        "responses": _l('The body must have a "responses" list. Nothing was saved.')}

    # Validated as a plain list: each item is checked by the service, one by one.
    responses: Annotated[list[Any], WithJsonSchema({
        "type": "array", "items": {"$ref": "#/components/schemas/KioskResponseItem"},
        "description": N_("The responses; at most the server's batch limit (500 by "
                          "default)."),
    })]


# --- answers ---------------------------------------------------------------------------------

Number = Optional[float]


class Localized(BaseModel):
    model_config = described(N_("A text in each language."))

    vi: str
    en: Optional[str] = None


class IndexRowOut(BaseModel):
    model_config = described(N_("One row of the index table; shares are in [0, 1] and "
                                "missing figures are null."))

    key: Optional[str]
    label: str
    n: int = Field(description=N_("Answers the verdict counts."))
    estimate: Number = Field(description=N_("Share satisfied or very satisfied."))
    se: Number
    low: Number = Field(description=N_("Lower bound of the confidence interval."))
    high: Number = Field(description=N_("Upper bound of the confidence interval."))
    df: Optional[int]
    method: Optional[str]
    weighted: bool
    verdict: str
    verdict_label: str
    verdict_bound: Number
    p_value: Number = Field(description=N_(
        "p-value of the test that decided the verdict (adjusted when `adjusted`)."))
    deff: Number = Field(description=N_(
        "Design effect: the variance over that of the same weights without clustering by "
        "counter and day (null for the element design)."))
    adjusted: bool = Field(description=N_(
        "True when the verdict was adjusted for multiple comparisons."))
    responses: int
    served: Optional[int]
    response_rate: Number
    default_weighted: int = Field(description=N_(
        "Responses from units without a served count, which carry the average weight of "
        "the counted units."))
    lonely: int = Field(description=N_(
        "Strata with a single primary sampling unit (counter-day)."))
    level: int = Field(description=N_("Depth below the scope (1: a child of the scope)."))


class IndexReport(BaseModel):
    model_config = described(N_("The satisfaction index of a unit's subtree in a period."))

    period: str
    period_start: str
    period_end: str
    unit: str
    unit_label: str
    by: str
    target: float
    level: float
    min_n: int
    design: Literal["clustered", "element_fpc"] = Field(description=N_(
        "clustered: counter × day clusters within unit strata, no finite population "
        "correction; element_fpc: each response drawn on its own, with the correction."))
    fdr: bool = Field(description=N_(
        "Whether the rows' verdicts were adjusted for multiple comparisons."))
    verified: bool = Field(description=N_(
        "Whether only verified responses (receipt codes, kiosks) were counted."))
    measure: str
    total: IndexRowOut
    rows: list[IndexRowOut]
    notes: list[str]


class IssuedCode(BaseModel):
    model_config = described(N_("One receipt code with its survey URL and QR code."))

    code: str = Field(pattern=r"^[2-9A-HJKMNP-Z]{8}$")
    url: str
    expires_at: str = Field(json_schema_extra={"format": "date-time"})
    qr_svg: str = Field(description=N_("The URL as an SVG QR code."))


class ReceiptBatch(BaseModel):
    model_config = described(N_("The codes issued."))

    unit: str
    service: str
    issued_on: str = Field(json_schema_extra={"format": "date"})
    codes: list[IssuedCode]


class Pairing(BaseModel):
    model_config = described(N_("The kiosk's device token (shown once) and its unit."))

    token: str
    device: str
    device_id: int
    unit: str
    unit_name: Localized


class QuestionnaireItem(BaseModel):
    model_config = described(N_("One question."))

    code: str
    dimension: Optional[str]
    required: bool
    kind: Literal["rating", "yes_no", "trips", "need"] = Field(description=N_(
        "rating: 1–5 satisfaction; yes_no: 1 yes, 2 no; trips: 1, 2, 3 or 4 (four or "
        "more); need (only with ?kinds=need): 1 yes, 2 no, null “I did not need it”. "
        "Null is otherwise “not applicable” or “I do not remember”."))
    vi: str
    en: Optional[str]
    services: Optional[list[str]] = Field(default=None, description=N_(
        "Codes of the services whose claimants are asked this item (absent: everyone); "
        "an answer from a claimant of another service is refused (not_asked)."))


class QuestionnaireQuery(RequestSchema):
    model_config = described(N_("Query string of GET /questionnaire."), extra="ignore")

    kinds: Optional[Literal["need"]] = Field(default=None, examples=["need"], description=N_(
        "need: include the coverage items (kind need, asked after the service of the "
        "claimants of their services). Without it they are left out, for kiosk copies "
        "that do not know that kind."))


class Choice(BaseModel):
    model_config = described(N_("A code with its text in each language."))

    code: str
    vi: str
    en: Optional[str] = None


class QuestionnaireOut(BaseModel):
    model_config = described(N_("The published questionnaire, with what a kiosk shows."))

    version: int
    title: dict[str, str]
    scale: list[int]
    matrix_sampling: bool = Field(description=N_(
        "True: each claimant answers the items without a dimension and one rated item per "
        "dimension, drawn at random with equal chances; the items not asked are left out "
        "of the answers."))
    stem: Optional[Localized] = Field(description=N_(
        "The question that rated items with a dimension complete (they are short "
        "aspects); null when each item is a whole question."))
    dimensions: list[Choice]
    items: list[QuestionnaireItem]
    services: list[Choice]
    reasons: list[Choice]


class Rejection(BaseModel):
    model_config = described(N_("A refused item: its id (if any) and field → error codes."))

    id: Optional[str]
    errors: dict[str, list[str]]


class BatchResult(BaseModel):
    model_config = described(N_("Which ids were stored now, were already stored, or were "
                                "refused."))

    accepted: list[str]
    duplicates: list[str]
    rejected: list[Rejection]


class Problem(BaseModel):
    model_config = described(N_("An error (RFC 9457 problem details)."))

    type: str = Field(description=N_("URI of the explanation of this kind of problem."))
    title: str = Field(description=N_("Short name of the kind of problem, translated."))
    status: int = Field(ge=400, le=599)
    detail: str = Field(description=N_("What went wrong this time, translated."))
    code: Literal[tuple(PROBLEM_TYPES)] = Field(  # type: ignore[valid-type]
        description=N_("Stable machine code (English)."))
    message: str = Field(description=N_("Same as detail, for older kiosk clients."))
    errors: Optional[dict[str, list[str]]] = Field(None, description=N_(
        "Validation errors: field (JSON pointer into the body, or query parameter) → "
        "messages."))
    error_codes: Optional[dict[str, list[str]]] = Field(None, description=N_(
        "The same fields → machine codes."))


class BatchTooLargeProblem(Problem):
    model_config = described(N_("A batch over the limit; send at most max_batch."))

    max_batch: int


class AllRejectedProblem(Problem):
    model_config = described(N_("No item of the batch could be stored; each one's errors "
                                "are in “rejected”."))

    accepted: list[str]
    duplicates: list[str]
    rejected: list[Rejection]


class BatchProblem(RootModel[AllRejectedProblem | Problem]):
    model_config = described(N_("Every item refused, or an invalid batch."))


class BatchSizeProblem(RootModel[BatchTooLargeProblem | Problem]):
    model_config = described(N_("Too many responses at once, or a body over the size "
                                "limit."))


# --- parsing -------------------------------------------------------------------------------

R = TypeVar("R", bound=RequestSchema)


def _validate(schema: type[R], data: Any, *, in_query: bool, detail: Any = None,
              session: Any = None) -> R:
    try:
        return schema.model_validate(data, context={"session": session})
    except ValidationError as exc:
        fields = validation_fields(exc.errors(include_url=False), in_query=in_query,
                                   messages=schema.field_messages)
        messages = [message for pairs in fields.values() for _code, message in pairs]
        if detail is None and len(messages) == 1:
            detail = messages[0]
        raise ApiProblem("validation_failed", detail, fields=fields) from None


def parse_query(schema: type[R], *, session: Any = None, detail: Any = None) -> R:
    """The query string as ``schema``, or a 422 problem naming each bad parameter."""
    query = request.args.to_dict()
    _refuse_unencodable(query, in_query=True)
    return _validate(schema, query, in_query=True, detail=detail, session=session)


def unencodable(value: Any, pointer: str = "") -> Optional[str]:
    """The JSON pointer of the first text in ``value`` (keys included) that is not valid
    Unicode, or None. JSON may escape lone surrogates (``"\\ud800"``), which no database
    and no UTF-8 page can hold: they must be refused before any lookup, not fail in it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return pointer or "/"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            here = pointer + "/" + str(key).replace("~", "~0").replace("/", "~1")
            if unencodable(key, here) is not None:
                return "".join(c if c.isascii() and c.isprintable() else "?" for c in here)
            found = unencodable(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unencodable(item, f"{pointer}/{index}")
            if found is not None:
                return found
    return None


def _refuse_unencodable(data: Any, *, in_query: bool) -> None:
    where = unencodable(data)
    if where is not None:
        name = where.lstrip("/") if in_query else where
        raise ApiProblem("invalid_text", fields=field_error(
            name, "invalid_text", _("This text is not valid Unicode.")))


def json_object() -> dict[str, Any]:
    """The JSON object sent as the body, or a 415/400 problem."""
    if not request.is_json:
        raise ApiProblem("unsupported_media_type")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiProblem("malformed_json")
    if not isinstance(body, dict):
        raise ApiProblem("not_an_object")
    _refuse_unencodable(body, in_query=False)
    return body


def parse_body(schema: type[R], *, session: Any = None, detail: Any = None) -> R:
    """The JSON body as ``schema``: 415 if it is not JSON, 400 if it is not a JSON object,
    422 with each bad field (as a JSON pointer) otherwise."""
    return _validate(schema, json_object(), in_query=False, detail=detail, session=session)


# --- GET /trend ------------------------------------------------------------------------------

class TrendParameters(UnitQuery):
    model_config = described(N_("Query string of GET /trend."), extra="ignore")

    unit: Code = Field(examples=["NA"], description=N_(
        "Unit code; the index covers this unit and every unit below it."))
    to: str = Field(max_length=20, examples=["2026-Q3"], description=N_(
        "Last period of the series: a month (2026-09), a quarter (2026-Q3) or a year "
        "(2026)."))
    periods: Optional[int] = Field(None, ge=1, le=MAX_PERIODS, examples=[8], description=N_(
        "How many periods, oldest first, ending with “to”; by default 8 quarters, 12 "
        "months or 5 years."))
    every: Optional[Literal[KINDS]] = Field(  # type: ignore[valid-type]
        None, description=N_("Kind of period of the series; by default that of “to”. A "
                             "finer kind ends with the last month or quarter of “to”."))

    @field_validator("to")
    @classmethod
    def _known_period(cls, value: str) -> str:
        return _period_code(value)

    @field_validator("every")
    @classmethod
    def _fits_the_end(cls, value: Optional[str], info: ValidationInfo) -> Optional[str]:
        if value is not None and "to" in info.data:
            try:
                check_every(value, info.data["to"])
            except ServiceError as exc:
                raise api_error("invalid", exc.message) from None
        return value


class TrendPointOut(BaseModel):
    model_config = described(N_("One period of the series; shares are in [0, 1] and "
                                "missing figures are null."))

    period: str
    period_start: str = Field(json_schema_extra={"format": "date-time"})
    period_end: str = Field(json_schema_extra={"format": "date-time"})
    n: int = Field(description=N_("Responses in the period."))
    estimate: Number = Field(description=N_("Share satisfied or very satisfied."))
    se: Number
    low: Number = Field(description=N_("Lower bound of the confidence interval."))
    high: Number = Field(description=N_("Upper bound of the confidence interval."))
    method: Optional[str]
    verdict: str
    verdict_label: str
    n_eff: int = Field(ge=0, description=N_(
        "Effective sample size n* = p(1−p)/SE², at most n; 0 without data."))
    x_eff: int = Field(ge=0, description=N_("Effective number satisfied, p·n*."))
    lower_limit: Number = Field(description=N_(
        "Lower p-chart control limit (3 sigma); null without data."))
    upper_limit: Number = Field(description=N_(
        "Upper p-chart control limit (3 sigma); null without data."))
    exact_limits: bool = Field(description=N_(
        "Whether the limits are exact binomial quantiles (small n*)."))
    out_of_control: bool = Field(description=N_(
        "Whether x*/n* is outside the control limits."))


class TrendTestOut(BaseModel):
    model_config = described(N_("Cochran–Armitage trend test and logistic-regression slope "
                                "on the effective counts; null when not defined."))

    direction: Literal["rising", "falling", "no_trend", "too_few_periods"]
    chi_square: Number
    p_value: Number
    slope: Number = Field(description=N_("Change in the log-odds per period."))
    se: Number
    wald_p: Number
    odds_ratio: Number = Field(description=N_("Odds ratio per period."))
    converged: bool


class TrendReport(BaseModel):
    model_config = described(N_("The satisfaction index of a unit's subtree over its last "
                                "periods, with the trend test and p-chart limits."))

    unit: str
    unit_label: str
    to: str
    every: Literal[KINDS]  # type: ignore[valid-type]
    periods: int
    level: float
    min_n: int
    measure: str
    centre: Number = Field(description=N_("Centre line of the p-chart, Σx*/Σn*."))
    trend: TrendTestOut
    points: list[TrendPointOut]
    notes: list[str]
