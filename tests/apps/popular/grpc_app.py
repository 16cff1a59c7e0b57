"""grpcio + protobuf: a message serialized and parsed, and a channel made."""
import grpc
from google.protobuf import struct_pb2, timestamp_pb2

message = struct_pb2.Struct()
message.update({"name": "demo", "n": 3})
stamp = timestamp_pb2.Timestamp(seconds=1700000000)
parsed = struct_pb2.Struct.FromString(message.SerializeToString())
print(sorted(parsed.items()), stamp.ToJsonString())
channel = grpc.insecure_channel("localhost:1")
print(type(channel).__name__)
channel.close()
