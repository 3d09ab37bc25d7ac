"""Reads a PNG with the standard library alone (zlib) and prints what a test
needs to know that a screenshot shows something: its size and how many
distinct colours its pixels have, as

    png WIDTH HEIGHT colours=N dark=N

where dark counts the pixels darker than mid grey (text and lines on the
page's white). 8-bit RGB and RGBA only, as Chromium writes them; anything
else exits 1 with why.

    /usr/bin/python3 tests/support/png_colours.py FILE
"""
import struct
import sys
import zlib


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        yield kind, data[at + 8:at + 8 + length]
        at += 12 + length


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(kind, row, prior, bpp):
    """One scanline back to its bytes (PNG spec, section 9)."""
    if kind == 0:
        return row
    if kind == 2:
        return bytearray((x + y) & 0xFF for x, y in zip(row, prior))
    out = bytearray(row)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + prior[i]) >> 1)) & 0xFF
        elif kind == 4:
            up_left = prior[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + paeth(left, prior[i], up_left)) & 0xFF
        else:
            raise ValueError("filter type %d" % kind)
    return out


def main(path):
    data = open(path, "rb").read()
    header, compressed = None, b""
    for kind, body in chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
    width, height, depth, colour_type = header[:4]
    if depth != 8 or colour_type not in (2, 6):
        raise ValueError("depth %d colour type %d" % (depth, colour_type))
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(compressed)
    stride = width * bpp
    prior = bytearray(stride)
    colours, dark = set(), 0
    for y in range(height):
        start = y * (stride + 1)
        row = unfilter(raw[start], raw[start + 1:start + 1 + stride], prior, bpp)
        for x in range(0, stride, bpp):
            pixel = bytes(row[x:x + 3])
            colours.add(pixel)
            dark += pixel[0] + pixel[1] + pixel[2] < 384
        prior = row
    print("png %d %d colours=%d dark=%d" % (width, height, len(colours), dark))


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (OSError, ValueError, zlib.error, TypeError, struct.error) as error:
        print("png_colours: %s: %s" % (sys.argv[1], error))
        sys.exit(1)
