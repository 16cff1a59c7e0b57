"""orjson: dataclasses, UUIDs and datetimes through its C extension."""
import dataclasses
import datetime
import uuid

import orjson


@dataclasses.dataclass
class Point:
    x: int
    label: str


when = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
data = {"p": Point(1, "a"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "when": when}
text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
print(text.decode())
print(orjson.loads(text)["p"])
