"""Pillow: create, transform and save a PNG at argv[1], then reopen it.

Only PIL.Image and PIL.ImageFilter: PIL.ImageDraw imports PIL.ImageFont,
whose _imagingft needs libfreetype and libharfbuzz, two libraries that need
each other (see tests/real_apps.rs)."""
import sys

from PIL import Image, ImageFilter, ImageOps

out = sys.argv[1]
img = Image.new("RGB", (120, 80), (255, 255, 255))
img.paste((200, 30, 30), (10, 10, 60, 40))
img.paste((30, 30, 200), (70, 20, 110, 70))
img = img.rotate(90, expand=True).resize((40, 60), Image.Resampling.BILINEAR)
img = ImageOps.mirror(img).filter(ImageFilter.SMOOTH).convert("RGBA")
red = img.getchannel("R").point(lambda v: 255 if v > 150 else 0)
print("red area:", red.getbbox() is not None)
img.save(out, format="PNG", optimize=True)
with Image.open(out) as again:
    again.load()
    print("format:", again.format)
    print("size:", again.size)
    print("mode:", again.mode)
    print("corner:", again.getpixel((0, 0)))
    print("same pixels:", again.tobytes() == img.tobytes())
with open(out, "rb") as fh:
    print("signature:", fh.read(8) == b"\x89PNG\r\n\x1a\n")
