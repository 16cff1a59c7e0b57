"""Babel: locale data (dates, numbers, currencies)."""
import datetime

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

day = datetime.date(2024, 3, 5)
print(format_date(day, format="long", locale="fr_FR"))
print(format_decimal(1234567.891, locale="de_DE"))
print(format_currency(12.5, "EUR", locale="en_US"))
