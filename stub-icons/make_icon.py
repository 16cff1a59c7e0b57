#!/usr/bin/env python3
"""Draws pybundle's default Windows icon, stub-icons/pybundle.ico.

Original artwork drawn here from simple shapes: a rounded tile with a
blue-to-teal gradient and a white three-faced box (a "bundle") in the middle.
Images: 16, 32 and 48 px as 32-bit BMP, 256 px as PNG. Standard library only;
the output is deterministic. Run from anywhere:

    python3 stub-icons/make_icon.py
"""

import math
import os
import struct
import zlib

SIZES = (16, 32, 48, 256)
TILE_FROM = (0x1F, 0x4E, 0x9C)
TILE_TO = (0x18, 0xA3, 0x9A)
TOP = (0xFF, 0xFF, 0xFF)
LEFT = (0xD6, 0xE6, 0xF5)
RIGHT = (0xA9, 0xC7, 0xE8)


def rounded_rect_inside(x, y, lo, hi, radius):
    cx = min(max(x, lo + radius), hi - radius)
    cy = min(max(y, lo + radius), hi - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def convex_depth(x, y, poly):
    """Smallest signed distance from (x, y) to the edges of a clockwise
    (in image coordinates) convex polygon: positive inside."""
    depth = math.inf
    for (ax, ay), (bx, by) in zip(poly, poly[1:] + poly[:1]):
        ex, ey = bx - ax, by - ay
        length = math.hypot(ex, ey)
        depth = min(depth, ((x - ax) * ey - (y - ay) * ex) / -length)
    return depth


def faces():
    cx, cy, r = 0.5, 0.53, 0.31
    w = r * math.cos(math.pi / 6)
    top = (cx, cy - r)
    up_right = (cx + w, cy - r / 2)
    low_right = (cx + w, cy + r / 2)
    bottom = (cx, cy + r)
    low_left = (cx - w, cy + r / 2)
    up_left = (cx - w, cy - r / 2)
    centre = (cx, cy)
    return (
        ([top, up_right, centre, up_left], TOP),
        ([up_left, centre, bottom, low_left], LEFT),
        ([centre, up_right, low_right, bottom], RIGHT),
    )


FACES = faces()
GAP = 0.012


def sample(x, y):
    """Colour and coverage (0 or 1) at a point of the unit square."""
    if not rounded_rect_inside(x, y, 0.04, 0.96, 0.2):
        return (0, 0, 0), 0
    for poly, colour in FACES:
        if convex_depth(x, y, poly) > GAP / 2:
            return colour, 1
    t = (x + y) / 2
    return tuple(round(a + (b - a) * t) for a, b in zip(TILE_FROM, TILE_TO)), 1


def render(size):
    """Rows of (r, g, b, a), top row first, with 4x4 supersampling."""
    n = 4
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0, 0, 0]
            cover = 0
            for sy in range(n):
                for sx in range(n):
                    colour, c = sample((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)
                    if c:
                        cover += 1
                        acc = [a + b for a, b in zip(acc, colour)]
            if cover:
                row.append(tuple(round(a / cover) for a in acc) + (round(255 * cover / (n * n)),))
            else:
                row.append((0, 0, 0, 0))
        rows.append(row)
    return rows


def bmp(size, rows):
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = b"".join(bytes((b, g, r, a)) for row in reversed(rows) for (r, g, b, a) in row)
    stride = ((size + 31) // 32) * 4
    mask = bytearray()
    for row in reversed(rows):
        bits = bytearray(stride)
        for x, (_, _, _, a) in enumerate(row):
            if a == 0:
                bits[x // 8] |= 0x80 >> (x % 8)
        mask += bits
    return header + pixels + bytes(mask)


def png(size, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    images = []
    for size in SIZES:
        rows = render(size)
        images.append((size, png(size, rows) if size >= 256 else bmp(size, rows)))
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, data in images:
        dim = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    out += b"".join(data for _, data in images)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pybundle.ico")
    with open(path, "wb") as f:
        f.write(out)
    print(f"wrote {path} ({len(out)} bytes)")


if __name__ == "__main__":
    main()
