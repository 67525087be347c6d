# An independent OTLP decoder for the fuzz tests: Google's `protobuf` (upb) with the
# generated classes of `opentelemetry-proto` from PyPI. Long-lived: reads requests from stdin,
# each a 1-byte command, a 1-byte signal and a 4-byte big-endian length, then the body; answers
# each with a 1-byte verdict (1 ok, 0 rejected) and a 4-byte length and UTF-8 text (the
# canonical JSON of the decoded message, or the error).
#   command b'P': parse protobuf bytes   command b'J': parse OTLP/JSON (json_format.Parse)
import struct
import sys

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

SIGNALS = {b"t": ExportTraceServiceRequest, b"l": ExportLogsServiceRequest, b"m": ExportMetricsServiceRequest}


def read_exact(f, n):
    out = b""
    while len(out) < n:
        chunk = f.read(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def main():
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    while True:
        head = read_exact(inp, 6)
        if head is None:
            return
        cmd, sig, n = head[0:1], head[1:2], struct.unpack(">I", head[2:6])[0]
        body = read_exact(inp, n)
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
