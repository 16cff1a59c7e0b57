"""Pillow: create, draw on, transform and save a PNG at argv[1], then reopen
it. Text drawing goes through _imagingft, whose libfreetype and libharfbuzz
need each other (a DT_NEEDED cycle)."""
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

out = sys.argv[1]
img = Image.new("RGB", (120, 80), (255, 255, 255))
img.paste((200, 30, 30), (10, 10, 60, 40))
img.paste((30, 30, 200), (70, 20, 110, 70))
img = img.rotate(90, expand=True).resize((40, 60), Image.Resampling.BILINEAR)
img = ImageOps.mirror(img).filter(ImageFilter.SMOOTH).convert("RGBA")
canvas = Image.new("L", (60, 20), 0)
ImageDraw.Draw(canvas).text((2, 2), "pybundle", fill=255, font=ImageFont.load_default())
print("text drawn:", canvas.getbbox() is not None)
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
