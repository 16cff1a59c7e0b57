"""pandas: CSV from a string, time zones, groupby."""
import io

import pandas as pd

frame = pd.read_csv(io.StringIO("city,when,n\nparis,2024-01-01 10:00,1\nparis,2024-07-01 10:00,2\nrome,2024-01-01 10:00,5\n"))
frame["when"] = pd.to_datetime(frame["when"]).dt.tz_localize("UTC").dt.tz_convert("Europe/Paris")
print(frame["when"].dt.strftime("%H:%M %Z").tolist())
print(frame.groupby("city")["n"].sum().to_dict())
