"""Markdown: a table and fenced code (extensions loaded by name)."""
import markdown

text = "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n"
print(markdown.markdown(text, extensions=["tables", "fenced_code"]))
