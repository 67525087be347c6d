# OTLP/JSON as the OTLP specification defines it (opentelemetry-proto docs/specification.md,
# "JSON Protobuf Encoding"): the proto3 JSON mapping with OTLP's deviations. Google's
# json_format implements the plain mapping; `parse` first walks the document along the OTLP
# descriptors and rewrites or refuses what OTLP spells differently, then hands it to
# json_format.ParseDict. Each rule below is listed in docs/security.md (OTLP/JSON).
import base64
import json
import math
import re
from decimal import Decimal

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor as FD

# json_format counts the request message as depth 1; the collector's limit (src/otlp/limits.ts)
# counts it as 0 and refuses beyond 100, so the same documents pass with 101 here.
MAX_RECURSION_DEPTH = 101
# trace and span ids are hex, not base64, in every OTLP message (Span, Link, LogRecord, Exemplar)
ID_FIELDS = frozenset(("trace_id", "span_id", "parent_span_id"))
HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*\Z")
# RFC 8259's number grammar: what a number quoted in a string must look like. Python's int()
# and float() take more (" 1", "+1", "1_000", "inf", non-ASCII digits); the mapping does not.
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
# standard or URL-safe base64, not mixed, padded or not (json_format drops stray characters)
BASE64 = re.compile(r"(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)(?:={1,2})?\Z")
INT_TYPES = frozenset((FD.CPPTYPE_INT32, FD.CPPTYPE_INT64, FD.CPPTYPE_UINT32, FD.CPPTYPE_UINT64))
SPECIAL_DOUBLES = frozenset(("NaN", "Infinity", "-Infinity"))


class OtlpJsonError(ValueError):
    pass


def _not_json(name):
    raise OtlpJsonError("%s is not JSON" % name)


def _int_literal(text):
    # "-0" is the double -0.0 in JSON (JavaScript and Go read it so); Python reads the int 0
    return -0.0 if text == "-0" else int(text)


def load(text):
    """RFC 8259 JSON. A key named twice keeps its last value, as JSON.parse does (json_format's
    own loader refuses duplicates)."""
    return json.loads(text, parse_constant=_not_json, parse_int=_int_literal)


def parse(text, message):
    doc = load(text)
    _message(doc, message.DESCRIPTOR, 1, message.DESCRIPTOR.name)
    json_format.ParseDict(doc, message, ignore_unknown_fields=True, max_recursion_depth=MAX_RECURSION_DEPTH)
    return message


def _message(obj, desc, depth, path):
    # json_format iterates whatever it is given as a message: a list or a string would be read
    # as a list of (unknown, ignored) field names
    if not isinstance(obj, dict):
        raise OtlpJsonError("%s: expected an object, got %s" % (path, type(obj).__name__))
    if depth > MAX_RECURSION_DEPTH:
        return  # json_format refuses it
    by_json = {f.json_name: f for f in desc.fields}
    seen = {}
    for key in list(obj):
        f = by_json.get(key) or desc.fields_by_name.get(key)
        if f is None:
            continue  # OTLP: unknown fields are ignored
        if f.name in seen:
            raise OtlpJsonError("%s: field %s given twice (%s, %s)" % (path, f.name, seen[f.name], key))
        seen[f.name] = key
        v = obj[key]
        if v is None:
            continue
        fpath = "%s.%s" % (path, key)
        if f.is_repeated:
            if isinstance(v, list):
                obj[key] = [_value(f, item, depth, "%s[%d]" % (fpath, i)) for i, item in enumerate(v)]
        else:
            obj[key] = _value(f, v, depth, fpath)


def _value(f, v, depth, path):
    if v is None:
        return v  # json_format's own rules for null
    if f.cpp_type == FD.CPPTYPE_MESSAGE:
        _message(v, f.message_type, depth + 1, path)
    elif f.type == FD.TYPE_BYTES:
        if not isinstance(v, str):
            return v
        if f.name in ID_FIELDS:
            if not HEX.match(v):
                raise OtlpJsonError("%s: ids are hex strings in OTLP/JSON" % path)
            return base64.b64encode(bytes.fromhex(v)).decode("ascii")
        if not BASE64.match(v) or len(v.rstrip("=")) % 4 == 1 or ("=" in v and len(v) % 4 != 0):
            raise OtlpJsonError("%s: not base64" % path)
    elif f.cpp_type == FD.CPPTYPE_ENUM:
        return _enum(f, v, path)
    elif f.cpp_type in INT_TYPES:
        if isinstance(v, str):
            return _integer_string(v, path)
    elif f.cpp_type == FD.CPPTYPE_DOUBLE:
        if isinstance(v, bool):  # json_format reads true as 1.0
            raise OtlpJsonError("%s: a boolean is not a double" % path)
        if isinstance(v, str) and v not in SPECIAL_DOUBLES:
            if not JSON_NUMBER.match(v) or math.isinf(float(v)):
                raise OtlpJsonError("%s: not a double: %r" % (path, v))
    return v


def _enum(f, v, path):
    # names or integers (the proto3 mapping; the Collector reads both). json_format would take
    # true as 1, truncate 2.5 to 2, wrap 2^32 to 0, and with ignore_unknown_fields drop an
    # unknown name silently.
    if isinstance(v, bool):
        raise OtlpJsonError("%s: a boolean is not an enum value" % path)
    if isinstance(v, str):
        if v in f.enum_type.values_by_name:
            return v
        if not JSON_NUMBER.match(v):
            raise OtlpJsonError("%s: unknown enum name %r" % (path, v))
        v = _integer_string(v, path)
    if isinstance(v, float):
        if not v.is_integer():
            raise OtlpJsonError("%s: %r is not an enum value" % (path, v))
        v = int(v)
    if isinstance(v, int) and not -(2**31) <= v < 2**31:
        raise OtlpJsonError("%s: enum value %d out of the int32 range" % (path, v))
    return v


def _integer_string(v, path):
    # exact: "1e2" and "1.0" are integers; Python's float() would round above 2^53
    if not JSON_NUMBER.match(v):
        raise OtlpJsonError("%s: not an integer: %r" % (path, v))
    d = Decimal(v)
    if d != 0 and not -1 <= d.adjusted() <= 40:
        raise OtlpJsonError("%s: out of range: %r" % (path, v))
    if d != d.to_integral_value():
        raise OtlpJsonError("%s: not an integer: %r" % (path, v))
    return int(d)
