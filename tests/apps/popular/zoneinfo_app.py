"""zoneinfo with the tzdata package (no system time zone database)."""
import datetime
import zoneinfo

# As where the system has no time zone database: only the tzdata package.
zoneinfo.reset_tzpath(to=[])
paris = zoneinfo.ZoneInfo("Europe/Paris")
for month in (1, 7):
    print(datetime.datetime(2024, month, 1, 12, tzinfo=paris).utcoffset())
