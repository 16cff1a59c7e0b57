"""pytz: zone files opened by path from its own package directory."""
from datetime import datetime

import pytz

paris = pytz.timezone("Europe/Paris")
print(paris.localize(datetime(2024, 7, 1, 12)).isoformat())
print(len(pytz.all_timezones) > 400, "Asia/Tokyo" in pytz.common_timezones)
print(datetime(2024, 1, 1, tzinfo=pytz.utc).astimezone(pytz.timezone("America/New_York")).isoformat())
