"""The API's OpenAPI 3.1 description (``/api/v1/openapi.json``) and its docs page
(``/api/v1/docs``), built from the pydantic schemas and what each view declares.

A view declares itself with :func:`operation` (summary, query/body schema, answers); the
URL, method and security come from the routing and the token decorators, so that the
description cannot drift from what the views do. Errors common to every operation (400,
500; 401 with a token; 413/415/422 with a body; 422 with a query) are added here.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from flask import current_app, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from . import bp
from .errors import PROBLEM_JSON, PROBLEM_TYPES
from .schemas import N_, KioskResponseItem, Problem

REF = "#/components/schemas/"
METHODS = ("get", "post", "put", "patch", "delete")
SECURITY = {
    "apiToken": {"type": "http", "scheme": "bearer", "description": N_(
        "API token for integrations (flask survey token create).")},
    "kioskToken": {"type": "http", "scheme": "bearer", "description": N_(
        "Device token of a paired kiosk (POST /kiosk/pair).")},
}


@dataclass(frozen=True)
class Reply:
    """One documented answer of an operation."""

    status: int
    description: Any
    schema: Optional[type[BaseModel]] = None
    codes: tuple[str, ...] = ()  # problem types, when the answer is a problem
    headers: tuple[tuple[str, Any, bool], ...] = ()  # (name, description, required)


#: The header of answers that ask the client to come back later (429, 503).
RETRY_AFTER = ("Retry-After", N_("Seconds to wait before trying again."), True)


def ok(schema: type[BaseModel], description: Any, status: int = 200,
       headers: Iterable[tuple[str, Any, bool]] = ()) -> Reply:
    return Reply(status, description, schema, headers=tuple(headers))


def empty(status: int, description: Any) -> Reply:
    return Reply(status, description)


def problems(*codes: str, schema: type[BaseModel] = Problem,
             headers: Iterable[tuple[str, Any, bool]] = ()) -> Reply:
    """A problem answer of the types ``codes`` (all of the same status)."""
    status = PROBLEM_TYPES[codes[0]].status
    assert all(PROBLEM_TYPES[c].status == status for c in codes), codes
    return Reply(status, None, schema, codes=codes, headers=tuple(headers))


@dataclass
class Operation:
    summary: Any
    description: Any = None
    query: Optional[type[BaseModel]] = None
    body: Optional[type[BaseModel]] = None
    replies: list[Reply] = field(default_factory=list)
    tag: str = "api"


def operation(summary: Any, *, description: Any = None, query: Optional[type] = None,
              body: Optional[type] = None, replies: Iterable[Reply] = (),
              tag: str = "api") -> Callable:
    """Record how a view is described; put it between the route and the token decorator."""
    def decorator(view: Callable) -> Callable:
        view.api_operation = Operation(  # type: ignore[attr-defined]
            summary, description, query, body, list(replies), tag)
        return view
    return decorator


TAGS = {"kiosk": _l("Kiosks"), "integration": _l("Integrations"), "index": _l("Index"),
        "coverage": _l("Coverage targets")}


# --- building the description ------------------------------------------------------------------

def _all_replies(op: Operation, security: Optional[str]) -> dict[int, Reply]:
    """The view's own answers merged with the ones every operation of its kind has."""
    common = [problems("bad_request"), problems("internal_error"),
              problems("service_unavailable", headers=[RETRY_AFTER])]
    if security:
        common.append(Reply(401, None, Problem, ("unauthorized",), (
            ("WWW-Authenticate", N_("Bearer challenge."), True),)))
    if op.body is not None:
        common += [problems("malformed_json", "not_an_object", "invalid_text"),
                   problems("payload_too_large"),
                   problems("unsupported_media_type"), problems("validation_failed")]
    if op.query is not None:
        common.append(problems("validation_failed"))
    merged: dict[int, Reply] = {}
    for reply in common + op.replies:
        known = merged.get(reply.status)
        if known is not None and known.codes and reply.codes:
            schema = reply.schema if reply.schema is not Problem else known.schema
            codes = tuple(dict.fromkeys(known.codes + reply.codes))
            reply = Reply(reply.status, reply.description or known.description, schema, codes,
                          known.headers + reply.headers)
        merged[reply.status] = reply
    return dict(sorted(merged.items()))


def _described_operations() -> list[tuple[str, str, Callable, Operation]]:
    """``(path below the API root, method, view, operation)`` of every documented route."""
    found: list[tuple[str, str, Callable[..., Any], Operation]] = []
    prefix = _api_prefix()
    for rule in current_app.url_map.iter_rules():
        view: Any = current_app.view_functions.get(rule.endpoint)
        op = getattr(view, "api_operation", None)
        if op is None or not rule.rule.startswith(prefix):
            continue
        path = rule.rule[len(prefix):]
        for name in rule.arguments:
            path = path.replace(f"<{name}>", f"{{{name}}}")
        for method in sorted(m.lower() for m in rule.methods or ()):
            if method in METHODS:
                found.append((path, method, view, op))
    return sorted(found, key=lambda entry: (entry[0], METHODS.index(entry[1])))


def _api_prefix() -> str:
    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == "api.openapi")
    return rule.rule.rsplit("/", 1)[0]


def _schemas(ops: list[tuple[str, str, Callable, Operation]]) -> dict[str, Any]:
    requests: set[type[BaseModel]] = {KioskResponseItem}
    answers: set[type[BaseModel]] = set()
    for _path, _method, view, op in ops:
        if op.body is not None:
            requests.add(op.body)
            # Models a body's hand-written schema refers to (items checked one by one).
            requests.update(getattr(op.body, "documents", ()))
        answers.update(r.schema for r in _all_replies(op, _security(view)).values() if r.schema)
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation") for m in sorted(requests, key=lambda m: m.__name__)]
    pairs += [(m, "serialization") for m in sorted(answers, key=lambda m: m.__name__)]
    _refs, defs = models_json_schema(pairs, ref_template=REF + "{model}")
    return defs.get("$defs", {})


def _security(view: Callable) -> Optional[str]:
    return getattr(view, "api_security", None)


def _query_parameters(schema: type[BaseModel]) -> list[dict[str, Any]]:
    generated = schema.model_json_schema(mode="validation", ref_template=REF + "{model}")
    required = set(generated.get("required", []))
    parameters = []
    for name, prop in generated.get("properties", {}).items():
        prop = dict(prop)
        options = prop.pop("anyOf", None)
        if options:  # Optional[...]: a query parameter is absent rather than null
            prop.update(next(o for o in options if o.get("type") != "null"))
        prop.pop("title", None)
        if prop.get("default", "") is None:
            del prop["default"]
        description = prop.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required,
                     "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


LANG_PARAMETER = {"name": "lang", "in": "query", "required": False,
                  "description": N_("Language of messages and labels: vi or en (anything "
                                    "else is ignored: the Accept-Language header, then "
                                    "Vietnamese)."),
                  "schema": {"type": "string", "examples": ["vi", "en"]}}


def _reply_object(reply: Reply) -> dict[str, Any]:
    if reply.codes:
        description = reply.description or "; ".join(
            f"{code}: {PROBLEM_TYPES[code].title}" for code in reply.codes)
    else:
        description = str(reply.description)
    answer: dict[str, Any] = {"description": str(description)}
    if reply.schema is not None:
        media = PROBLEM_JSON if reply.codes else "application/json"
        answer["content"] = {media: {"schema": {"$ref": REF + reply.schema.__name__}}}
    if reply.headers:
        answer["headers"] = {name: {"description": str(text), "required": required,
                                    "schema": {"type": "string"}}
                             for name, text, required in reply.headers}
    return answer


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description, with its texts in the request's language."""
    ops = _described_operations()
    paths: dict[str, dict[str, Any]] = {}
    for path, method, view, op in ops:
        security = _security(view)
        entry: dict[str, Any] = {
            "operationId": view.__name__, "summary": str(op.summary), "tags": [op.tag],
            "parameters": ([] if op.query is None else _query_parameters(op.query))
            + [copy.deepcopy(LANG_PARAMETER)],
            "responses": {str(status): _reply_object(reply)
                          for status, reply in _all_replies(op, security).items()},
        }
        if op.description:
            entry["description"] = str(op.description)
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": REF + op.body.__name__}}}}
        entry["security"] = [{security: []}] if security else []
        paths.setdefault(path, {})[method] = entry
    document = {
        "openapi": "3.1.0",
        "info": {"title": _("BHTN satisfaction survey API"), "version": "1",
                 "description": _("Errors are RFC 9457 problem details "
                                  "(application/problem+json); the docs page "
                                  "(/api/v1/docs) explains each code.")},
        "servers": [{"url": _api_prefix()}],
        "tags": [{"name": tag, "description": str(label)} for tag, label in TAGS.items()],
        "paths": paths,
        "components": {"schemas": _schemas(ops), "securitySchemes": copy.deepcopy(SECURITY)},
    }
    return _translated(document)


def _translated(node: Any) -> Any:
    """Translate every ``description`` (msgids in English) into the current language."""
    if isinstance(node, dict):
        return {key: (_(value) if key == "description" and isinstance(value, str) and value
                      else _translated(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_translated(value) for value in node]
    return node


# --- the docs page -------------------------------------------------------------------------------

def type_label(schema: dict[str, Any]) -> Markup:
    """A short readable type, linking to named schemas."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "anyOf" in schema:
        return Markup(" | ").join(type_label(option) for option in schema["anyOf"])
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return Markup(" | ").join(Markup("<code>{}</code>").format(v) for v in values)
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("{}[]").format(type_label(schema.get("items", {})))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("{{string: {}}}").format(type_label(schema["additionalProperties"]))
    label = escape(kind)
    if schema.get("format"):
        label += Markup(" ({})").format(schema["format"])
    return label


def limits(schema: dict[str, Any]) -> str:
    """Constraints worth telling a reader (ranges, lengths, default, example)."""
    parts = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                      ("exclusiveMaximum", "<")):
        if key in schema:
            parts.append(f"{sign} {schema[key]}")
    for key, text in (("minLength", _("at least %(n)s characters")),
                      ("maxLength", _("at most %(n)s characters")),
                      ("minItems", _("at least %(n)s items")),
                      ("maxItems", _("at most %(n)s items"))):
        if key in schema and not (key == "minLength" and schema[key] == 1):
            parts.append(text % {"n": schema[key]})
    if "pattern" in schema:
        parts.append(_("pattern %(pattern)s", pattern=schema["pattern"]))
    if "default" in schema and schema["default"] not in (None, [], False):
        parts.append(_("default %(value)s", value=schema["default"]))
    if schema.get("examples"):
        parts.append(_("e.g. %(value)s", value=schema["examples"][0]))
    return "; ".join(parts)


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append({"name": name, "type": type_label(prop), "required": name in required,
                     "description": prop.get("description", ""), "limits": limits(prop)})
    return rows


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/docs")
def docs():
    """Every operation with its parameters, body and answers, in the visitor's language."""
    document = openapi_document()
    operations = []
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            body = entry.get("requestBody", {}).get("content", {}).get("application/json")
            answers = []
            for status, reply in entry["responses"].items():
                content = reply.get("content", {})
                media, schema = next(iter(content.items()), (None, None))
                answers.append({"status": status, "description": reply["description"],
                                "media": media,
                                "type": type_label(schema["schema"]) if schema else "",
                                "headers": list(reply.get("headers", {}))})
            operations.append({
                "id": entry["operationId"], "method": method.upper(), "path": path,
                "summary": entry["summary"], "description": entry.get("description", ""),
                "security": [name for item in entry["security"] for name in item],
                "parameters": [dict(p, type=type_label(p["schema"]), limits=limits(p["schema"]))
                               for p in entry["parameters"]],
                "body": type_label(body["schema"]) if body else None,
                "answers": answers})
    schemas = [{"name": name, "description": schema.get("description", ""),
                "fields": _fields(schema), "type": type_label(schema)}
               for name, schema in sorted(document["components"]["schemas"].items())]
    return render_template(
        "api/docs.html", document=document, operations=operations, schemas=schemas,
        problem_types=list(PROBLEM_TYPES.values()),
        security=document["components"]["securitySchemes"], base=_api_prefix(),
        openapi_url=url_for("api.openapi"), locale=str(get_locale() or "vi"))
