# An independent OTLP decoder for the fuzz tests: Google's `protobuf` (upb) with the
# generated classes of `opentelemetry-proto` from PyPI. Long-lived: reads requests from stdin,
# each a 1-byte command, a 1-byte signal and a 4-byte big-endian length, then the body; answers
# each with a 1-byte verdict (1 ok, 0 rejected) and a 4-byte length and UTF-8 text (the
# canonical JSON of the decoded message, or the error).
#   command b'P': parse protobuf bytes   command b'J': parse OTLP/JSON (json_format.Parse)
#   command b'O': judge OTLP/JSON with otlp_json.parse (the OTLP rules on top of json_format)
#     and compare it with the collector's verdict; the body is a 1-byte flag (1: the collector
#     accepted), a 4-byte length and the JSON text, then the collector's protobuf encoding.
#     The answer's verdict is the reference's; its text a JSON object {equal, detail}.
import json
import struct
import sys

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

import otlp_json

SIGNALS = {b"t": ExportTraceServiceRequest, b"l": ExportLogsServiceRequest, b"m": ExportMetricsServiceRequest}


def read_exact(f, n):
    out = b""
    while len(out) < n:
        chunk = f.read(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def first_difference(a, b, path=""):
    """The path of the first place where two MessageToDict trees differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return first_difference(a.get(k), b.get(k), "%s.%s" % (path, k))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, "%s[%d]" % (path, i))
    return "%s: ours %s, reference %s" % (path, json.dumps(a)[:200], json.dumps(b)[:200])


def judge_json(sig, body):
    ours_ok = body[0] == 1
    n = struct.unpack(">I", body[1:5])[0]
    text = body[5 : 5 + n].decode("utf-8", errors="replace")
    ref = SIGNALS[sig]()
    try:
        otlp_json.parse(text, ref)
    except (Exception, RecursionError) as e:  # json_format raises more than ParseError
        return 0, {"equal": None, "detail": "%s: %s" % (type(e).__name__, str(e)[:300])}
    if not ours_ok:
        return 1, {"equal": None, "detail": "accepted"}
    ours = SIGNALS[sig]()
    try:
        ours.ParseFromString(body[5 + n :])
    except DecodeError as e:
        return 1, {"equal": False, "detail": "our encoding does not decode: %s" % e}
    if ours.SerializeToString(deterministic=True) == ref.SerializeToString(deterministic=True):
        return 1, {"equal": True, "detail": "equal"}
    a = json_format.MessageToDict(ours)
    b = json_format.MessageToDict(ref)
    return 1, {"equal": False, "detail": first_difference(a, b)}


def main():
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    while True:
        head = read_exact(inp, 6)
        if head is None:
            return
        cmd, sig, n = head[0:1], head[1:2], struct.unpack(">I", head[2:6])[0]
        body = read_exact(inp, n)
        if cmd == b"O":
            verdict, answer = judge_json(sig, body)
            data = json.dumps(answer).encode("utf-8")
            out.write(struct.pack(">BI", verdict, len(data)))
            out.write(data)
            out.flush()
            continue
        msg = SIGNALS[sig]()
        try:
            if cmd == b"P":
                msg.ParseFromString(body)
            else:
                # ignore_unknown_fields=False: the spec's mapping refuses unknown fields
                json_format.Parse(body.decode("utf-8"), msg)
            text = json_format.MessageToJson(msg, indent=None, sort_keys=True)
            verdict = 1
        except (DecodeError, json_format.ParseError, UnicodeDecodeError, ValueError, RecursionError) as e:
            text = "%s: %s" % (type(e).__name__, e)
            verdict = 0
        data = text.encode("utf-8")
        out.write(struct.pack(">BI", verdict, len(data)))
        out.write(data)
        out.flush()


if __name__ == "__main__":
    main()
