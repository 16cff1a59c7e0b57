"""The example from README.md: prints where it runs from and exits."""
import sys

print(f"hello from a pybundle bundle of Python {sys.version.split()[0]}")
print(f"frozen={getattr(sys, 'frozen', False)} executable={sys.executable}")
