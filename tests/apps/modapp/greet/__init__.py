"""A package run with `-m greet`."""
GREETING = "hello from greet"
