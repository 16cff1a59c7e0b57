"""The locale an app sees, as one line: getlocale(), LC_CTYPE, the
LC_CTYPE variable python sets when it coerces the C locale (PEP 538), and
UTF-8 mode."""
import locale, os, sys
print(locale.getlocale(), locale.setlocale(locale.LC_CTYPE), os.environ.get("LC_CTYPE"), sys.flags.utf8_mode)
